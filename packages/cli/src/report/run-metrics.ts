import type { FeedbackKind, Rollout, StepReport } from "@lanpo/core";
import { FEEDBACK_KINDS } from "@lanpo/core";

/** Mean reward per feedback kind; null when no rollout of that kind has a reward. */
export type RewardByFeedback = Record<FeedbackKind, number | null>;

/** What `summary.json` holds. The first six fields are the fixed contract; the rest are extras. */
export interface RunSummary {
  steps: number;
  rollouts: number;
  meanReward: number | null;
  byFeedback: RewardByFeedback;
  leakageBlocks: number;
  lessons: number;
  failedRollouts: number;
  groups: number;
  lessonsMerged: number;
  retrievalHits: number;
  retrievalAbstentions: number;
}

/** One step of the report's plots. */
export interface StepMetrics {
  step: number;
  rollouts: number;
  failedRollouts: number;
  meanReward: number | null;
  byFeedback: RewardByFeedback;
  retrieval: { queries: number; hits: number; abstentions: number };
  lessons: { added: number; merged: number; rejected: number };
  leakageBlocks: number;
  latencyMs: { median: number | null; p95: number | null };
}

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

function rewards(rollouts: readonly Rollout[]): number[] {
  return rollouts.flatMap((r) => (r.status === "ok" && r.reward !== null ? [r.reward] : []));
}

export function rewardByFeedback(rollouts: readonly Rollout[]): RewardByFeedback {
  const out = {} as RewardByFeedback;
  for (const kind of FEEDBACK_KINDS) out[kind] = mean(rewards(rollouts.filter((r) => r.feedback === kind)));
  return out;
}

/**
 * Per-step metrics. Rewards and latencies come from the rollouts (the pool's, so a resumed run
 * counts the groups verified before it was killed); retrieval, lesson and leakage counters come
 * from the trainer's step reports, summed when a step was split across a kill and a resume.
 */
export function buildStepMetrics(
  rolloutsByStep: ReadonlyMap<number, readonly Rollout[]>,
  reports: readonly StepReport[],
): StepMetrics[] {
  const steps = new Set<number>([...rolloutsByStep.keys(), ...reports.map((r) => r.step)]);
  return [...steps]
    .sort((a, b) => a - b)
    .map((step) => {
      const rollouts = rolloutsByStep.get(step) ?? [];
      const own = reports.filter((r) => r.step === step);
      const sum = (pick: (r: StepReport) => number) => own.reduce((a, r) => a + pick(r), 0);
      const latencies = rollouts.map((r) => r.latencyMs);
      return {
        step,
        rollouts: rollouts.length,
        failedRollouts: rollouts.filter((r) => r.status === "failed").length,
        meanReward: mean(rewards(rollouts)),
        byFeedback: rewardByFeedback(rollouts),
        retrieval: {
          queries: sum((r) => r.retrieval.queries),
          hits: sum((r) => r.retrieval.hits),
          abstentions: sum((r) => r.retrieval.abstentions),
        },
        lessons: {
          added: sum((r) => r.lessons.added),
          merged: sum((r) => r.lessons.merged),
          rejected: sum((r) => r.lessons.rejected),
        },
        leakageBlocks: sum((r) => r.leakageBlocks),
        latencyMs: { median: quantile(latencies, 0.5), p95: quantile(latencies, 0.95) },
      };
    });
}

/** Step metrics from step reports alone (their own rollouts): for a run that was never resumed, and tests. */
export function stepMetricsFromReports(reports: readonly StepReport[]): StepMetrics[] {
  const byStep = new Map<number, Rollout[]>();
  for (const report of reports) byStep.set(report.step, [...(byStep.get(report.step) ?? []), ...report.rollouts]);
  return buildStepMetrics(byStep, reports);
}

/** The run's `summary.json`. */
export function summarizeRun(input: {
  steps: number;
  rollouts: readonly Rollout[];
  stepMetrics: readonly StepMetrics[];
  lessons: number;
}): RunSummary {
  const groups = new Set(input.rollouts.map((r) => `${r.step}\u0000${r.problemId}`)).size;
  const total = (pick: (m: StepMetrics) => number) => input.stepMetrics.reduce((a, m) => a + pick(m), 0);
  return {
    steps: input.steps,
    rollouts: input.rollouts.length,
    meanReward: mean(rewards(input.rollouts)),
    byFeedback: rewardByFeedback(input.rollouts),
    leakageBlocks: total((m) => m.leakageBlocks),
    lessons: input.lessons,
    failedRollouts: input.rollouts.filter((r) => r.status === "failed").length,
    groups,
    lessonsMerged: total((m) => m.lessons.merged),
    retrievalHits: total((m) => m.retrieval.hits),
    retrievalAbstentions: total((m) => m.retrieval.abstentions),
  };
}
