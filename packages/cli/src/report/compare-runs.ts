import { basename } from "node:path";
import type { RunData } from "./run-data.js";
import { mean } from "./run-metrics.js";

/** One run in a comparison, with the label its column and plot series carry. */
export interface ComparedRun {
  label: string;
  arm: string;
  data: RunData;
}

/** An arm's mean reward over its runs (seeds) and their spread. */
export interface ArmStats {
  arm: string;
  runs: number;
  /** Mean over runs of each run's mean reward. */
  meanReward: number | null;
  /** Sample standard deviation of the runs' mean rewards; null with fewer than two runs. */
  spread: number | null;
}

/** The difference in mean reward between two arms, with its standard error over seeds. */
export interface ArmDifference {
  arms: [string, string];
  difference: number | null;
  /** sqrt(s1²/n1 + s2²/n2); null unless both arms have at least two runs. */
  standardError: number | null;
}

/** What `lanpo compare` prints and draws. */
export interface Comparison {
  runs: ComparedRun[];
  arms: ArmStats[];
  /** Each arm against the first ("lanpo" when present), in arm order. */
  differences: ArmDifference[];
  /** Settings that differ between runs and make the comparison unequal (data, group, steps, batch). */
  mismatches: string[];
}

/** Fields that must agree for "equal samples": the same problems, group size, steps and batch. */
const SAMPLE_FIELDS = ["datasetDigest", "group", "steps", "batch"] as const;

function standardDeviation(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

/**
 * Compares runs grouped into arms (by `--arm`, else by each run's recorded arm: `lanpo` or
 * `grpo`). Arms are ordered with "lanpo" first, so differences read "lanpo − grpo".
 */
export function compareRuns(groups: ReadonlyMap<string, readonly RunData[]>): Comparison {
  const armNames = [...groups.keys()].sort((a, b) => (a === "lanpo" ? -1 : b === "lanpo" ? 1 : 0));
  const runs: ComparedRun[] = armNames.flatMap((arm) => {
    const members = groups.get(arm) ?? [];
    return members.map((data) => ({
      arm,
      data,
      label: members.length === 1 ? arm : `${arm} seed ${data.config.seed}`,
    }));
  });
  // Two runs of one arm with the same seed: their folder names tell them apart.
  for (const run of runs)
    if (runs.filter((r) => r.label === run.label).length > 1) run.label = `${run.arm} ${basename(run.data.folder.dir)}`;
  const arms = armNames.map((arm): ArmStats => {
    const rewards = (groups.get(arm) ?? []).flatMap((d) =>
      d.summary.meanReward === null ? [] : [d.summary.meanReward],
    );
    return { arm, runs: groups.get(arm)?.length ?? 0, meanReward: mean(rewards), spread: standardDeviation(rewards) };
  });
  const [first, ...others] = arms;
  const differences = first
    ? others.map((other): ArmDifference => {
        const rewardsOf = (arm: string) =>
          (groups.get(arm) ?? []).flatMap((d) => (d.summary.meanReward === null ? [] : [d.summary.meanReward]));
        const a = rewardsOf(first.arm);
        const b = rewardsOf(other.arm);
        const sa = standardDeviation(a);
        const sb = standardDeviation(b);
        return {
          arms: [first.arm, other.arm],
          difference:
            first.meanReward === null || other.meanReward === null ? null : first.meanReward - other.meanReward,
          standardError: sa === null || sb === null ? null : Math.sqrt(sa ** 2 / a.length + sb ** 2 / b.length),
        };
      })
    : [];
  const mismatches = SAMPLE_FIELDS.flatMap((field) => {
    const values = new Set(runs.map((r) => JSON.stringify(r.data.config[field])));
    return values.size > 1
      ? [`${field} differs: ${runs.map((r) => `${r.label} ${r.data.config[field]}`).join(", ")}`]
      : [];
  });
  return { runs, arms, differences, mismatches };
}
