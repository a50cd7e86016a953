import { FEEDBACK_KINDS } from "@lanpo/core";
import type { Comparison } from "./compare-runs.js";
import type { RunData } from "./run-data.js";

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? "-" : v.toFixed(3));
const signed = (v: number | null) => (v === null ? "-" : `${v >= 0 ? "+" : ""}${v.toFixed(3)}`);

/** The metric rows of the side-by-side table: a label and one cell per run. */
export function comparisonRows(comparison: Comparison): [string, ...string[]][] {
  const cell = (pick: (d: RunData) => string): string[] => comparison.runs.map((r) => pick(r.data));
  const share = (d: RunData) => {
    const groups = d.steps.reduce((a, s) => a + s.groups, 0);
    return groups === 0 ? "-" : fmt(d.steps.reduce((a, s) => a + s.zeroVarianceGroups, 0) / groups);
  };
  const tokens = (d: RunData) => {
    const rollouts = d.steps.reduce((a, s) => a + s.rollouts, 0);
    return rollouts === 0
      ? "-"
      : (d.steps.reduce((a, s) => a + (s.feedbackTokensPerRollout ?? 0) * s.rollouts, 0) / rollouts).toFixed(1);
  };
  return [
    ["arm", ...comparison.runs.map((r) => r.arm)],
    ["seed", ...cell((d) => String(d.config.seed))],
    ["dataset", ...cell((d) => d.config.dataset.split("/").at(-1) ?? d.config.dataset)],
    ["steps x batch x group", ...cell((d) => `${d.config.steps} x ${d.config.batch} x ${d.config.group}`)],
    ["rollouts (failed)", ...cell((d) => `${d.summary.rollouts} (${d.summary.failedRollouts})`)],
    ["mean reward", ...cell((d) => fmt(d.summary.meanReward))],
    ...FEEDBACK_KINDS.map((k): [string, ...string[]] => [`  ${k}`, ...cell((d) => fmt(d.summary.byFeedback[k]))]),
    [
      "first -> last step reward",
      ...cell((d) => `${fmt(d.summary.rewardByStep[0])} -> ${fmt(d.summary.rewardByStep.at(-1))}`),
    ],
    ["zero-variance groups", ...cell(share)],
    ["retrieval hits / abstentions", ...cell((d) => `${d.summary.retrievalHits} / ${d.summary.retrievalAbstentions}`)],
    ["mean similarity retrieved", ...cell((d) => fmt(d.summary.retrievalMeanScore))],
    ["lessons (merged)", ...cell((d) => `${d.summary.lessons} (${d.summary.lessonsMerged})`)],
    ["replies with no readable lesson", ...cell((d) => String(d.summary.lessonsUnparsed))],
    ["leakage blocks", ...cell((d) => String(d.summary.leakageBlocks))],
    ["feedback tokens / rollout", ...cell(tokens)],
    [
      "policy version first -> last",
      ...cell((d) => `${d.summary.firstPolicyVersion ?? "-"} -> ${d.summary.lastPolicyVersion ?? "-"}`),
    ],
  ];
}

/** The lines under the table: each arm's mean and spread, and the difference between arms. */
export function comparisonVerdict(comparison: Comparison): string[] {
  const lines = comparison.arms.map(
    (a) =>
      `${a.arm}: mean reward ${fmt(a.meanReward)} over ${a.runs} run${a.runs === 1 ? "" : "s"}${a.spread === null ? "" : ` (sd ${fmt(a.spread)} over seeds)`}`,
  );
  for (const d of comparison.differences) {
    lines.push(
      `difference in mean reward (${d.arms[0]} - ${d.arms[1]}): ${signed(d.difference)}${
        d.standardError === null
          ? " (one run per arm: no spread; give several seeds per arm with --arm)"
          : ` ± ${fmt(d.standardError)} (standard error over seeds)`
      }`,
    );
  }
  for (const m of comparison.mismatches) lines.push(`warning: not equal samples, ${m}`);
  return lines;
}

/** The plain-text side-by-side table `lanpo compare` prints on stdout, then the verdict lines. */
export function formatComparisonTable(comparison: Comparison): string {
  const header: [string, ...string[]] = ["", ...comparison.runs.map((r) => r.label)];
  const rows = [header, ...comparisonRows(comparison)];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const line = `+${widths.map((w) => "-".repeat(w + 2)).join("+")}+`;
  const format = (r: string[]) =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  return [line, format(header), line, ...rows.slice(1).map(format), line, ...comparisonVerdict(comparison)].join("\n");
}
