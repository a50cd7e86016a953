import type { FeedbackKind, Rollout, StepReport } from "@lanpo/core";
import { FEEDBACK_KINDS, isScored } from "@lanpo/core";

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
  /** Abstractor replies with no lesson the parser could read. */
  lessonsUnparsed: number;
  retrievalHits: number;
  retrievalAbstentions: number;
  /** Mean similarity of the lessons retrieved over the run; null when none were. */
  retrievalMeanScore: number | null;
  /** Scored rollouts whose reply was empty, truncated or unparseable (scored 0). */
  badReplies: number;
  /** Mean reward of each step, in step order (null for a step with no scored rollout). */
  rewardByStep: Array<number | null>;
  /** Policy version of the first step's rollouts. */
  firstPolicyVersion: string | null;
  /** The policy version the trainer reported last (after the last batch), else the last step's. */
  lastPolicyVersion: string | null;
}

/** One step of the report's plots. */
export interface StepMetrics {
  step: number;
  rollouts: number;
  failedRollouts: number;
  meanReward: number | null;
  byFeedback: RewardByFeedback;
  retrieval: { queries: number; hits: number; abstentions: number; meanScore: number | null };
  /** `unparsed`: abstractor replies the lesson parser could not read (no lesson in them). */
  lessons: { added: number; merged: number; rejected: number; unparsed: number };
  leakageBlocks: number;
  latencyMs: { median: number | null; p95: number | null };
  /** The policy version the step's rollouts were generated with (the most common one). */
  policyVersion: string | null;
  badReplies: number;
  /** Scored rollouts (reward not null) behind each kind's mean reward. */
  scoredByFeedback: Record<FeedbackKind, number>;
  /** Groups (problems) of the step with at least one scored rollout. */
  groups: number;
  /** Of those, groups whose scored rewards were all equal: no learning signal. */
  zeroVarianceGroups: number;
  /** Mean feedback tokens added to a rollout's context, over every rollout of the step and by kind. */
  feedbackTokensPerRollout: number | null;
  feedbackTokensByFeedback: Record<FeedbackKind, number | null>;
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
  return rollouts.flatMap((r) => (isScored(r) && r.reward !== null ? [r.reward] : []));
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
      const latencies = rollouts.filter((r) => r.status !== "failed").map((r) => r.latencyMs);
      const scores = own.flatMap((r) =>
        r.retrieval.meanScore === null || r.retrieval.meanScore === undefined
          ? []
          : [[r.retrieval.meanScore, r.retrieval.hits]],
      );
      const weight = scores.reduce((a, [, n]) => a + (n as number), 0);
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
          meanScore: weight === 0 ? null : scores.reduce((a, [m, n]) => a + (m as number) * (n as number), 0) / weight,
        },
        lessons: {
          added: sum((r) => r.lessons.added),
          merged: sum((r) => r.lessons.merged),
          rejected: sum((r) => r.lessons.rejected),
          // Older event logs have no unparsed count.
          unparsed: sum((r) => r.lessons.unparsed ?? 0),
        },
        leakageBlocks: sum((r) => r.leakageBlocks),
        latencyMs: { median: quantile(latencies, 0.5), p95: quantile(latencies, 0.95) },
        policyVersion: mostCommon(rollouts.map((r) => r.policyVersion)),
        badReplies: rollouts.filter((r) => r.status !== "ok" && isScored(r)).length,
        scoredByFeedback: countByFeedback(rollouts),
        ...groupVariance(rollouts),
        feedbackTokensPerRollout: mean(rollouts.map((r) => r.feedbackTokens)),
        feedbackTokensByFeedback: feedbackTokensByFeedback(rollouts),
      };
    });
}

function countByFeedback(rollouts: readonly Rollout[]): Record<FeedbackKind, number> {
  const out = {} as Record<FeedbackKind, number>;
  for (const kind of FEEDBACK_KINDS) out[kind] = rewards(rollouts.filter((r) => r.feedback === kind)).length;
  return out;
}

function feedbackTokensByFeedback(rollouts: readonly Rollout[]): Record<FeedbackKind, number | null> {
  const out = {} as Record<FeedbackKind, number | null>;
  for (const kind of FEEDBACK_KINDS)
    out[kind] = mean(rollouts.filter((r) => r.feedback === kind).map((r) => r.feedbackTokens));
  return out;
}

/** Groups of a step (by problem) with a scored rollout, and those whose rewards were all equal. */
function groupVariance(rollouts: readonly Rollout[]): { groups: number; zeroVarianceGroups: number } {
  const byProblem = new Map<string, number[]>();
  for (const r of rollouts) {
    if (!isScored(r) || r.reward === null) continue;
    byProblem.set(r.problemId, [...(byProblem.get(r.problemId) ?? []), r.reward]);
  }
  let zero = 0;
  for (const values of byProblem.values()) if (values.every((v) => v === values[0])) zero++;
  return { groups: byProblem.size, zeroVarianceGroups: zero };
}

function mostCommon(values: readonly string[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  for (const [v, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = v;
  return best;
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
  /** What the optimizer reported at the end of the run. */
  finalPolicyVersion?: string | null;
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
    lessonsUnparsed: total((m) => m.lessons.unparsed),
    retrievalHits: total((m) => m.retrieval.hits),
    retrievalAbstentions: total((m) => m.retrieval.abstentions),
    retrievalMeanScore: weightedScore(input.stepMetrics),
    badReplies: total((m) => m.badReplies),
    rewardByStep: input.stepMetrics.map((m) => m.meanReward),
    firstPolicyVersion: input.stepMetrics[0]?.policyVersion ?? null,
    lastPolicyVersion: input.finalPolicyVersion ?? input.stepMetrics.at(-1)?.policyVersion ?? null,
  };
}

function weightedScore(steps: readonly StepMetrics[]): number | null {
  const hits = steps.reduce((a, m) => a + (m.retrieval.meanScore === null ? 0 : m.retrieval.hits), 0);
  if (hits === 0) return null;
  return steps.reduce((a, m) => a + (m.retrieval.meanScore ?? 0) * m.retrieval.hits, 0) / hits;
}
