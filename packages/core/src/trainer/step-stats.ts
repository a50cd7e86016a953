import { isScored, type Rollout } from "../types/attempt.js";
import type { FeedbackKind } from "../types/feedback.js";
import { FEEDBACK_KINDS } from "../types/feedback.js";
import type { FeedbackStats, StepReport } from "../types/step-report.js";

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
}

/** What the orchestration counted while running a step; the rest is derived from the rollouts. */
export interface StepCounters {
  step: number;
  problems: number;
  resumedGroups: number;
  retrieval: Omit<StepReport["retrieval"], "meanScore"> & { scores: number[] };
  lessons: StepReport["lessons"];
  leakageBlocks: number;
  stepMs: number;
  batchId: string | null;
  policyVersion: string;
}

/** Builds the step report from its rollouts (resumed groups included) and the step's counters. */
export function buildStepReport(rollouts: Rollout[], counters: StepCounters): StepReport {
  const scored = rollouts.filter(isScored);
  const byFeedback = Object.fromEntries(
    FEEDBACK_KINDS.map((kind): [FeedbackKind, FeedbackStats] => {
      const of = scored.filter((r) => r.feedback === kind);
      return [kind, { rollouts: of.length, meanReward: mean(of.map((r) => r.reward as number)) }];
    }),
  ) as Record<FeedbackKind, FeedbackStats>;
  const groups = new Map<string, number[]>();
  for (const r of scored) groups.set(r.problemId, [...(groups.get(r.problemId) ?? []), r.reward as number]);
  const zeroVarianceGroups = [...groups.values()].filter((rs) => rs.every((x) => x === rs[0])).length;
  const latencies = scored.map((r) => r.latencyMs).sort((a, b) => a - b);
  const { scores, ...retrieval } = counters.retrieval;
  return {
    step: counters.step,
    problems: counters.problems,
    resumedGroups: counters.resumedGroups,
    rollouts,
    failedRollouts: rollouts.length - scored.length,
    badReplies: scored.filter((r) => r.status !== "ok").length,
    meanReward: mean(scored.map((r) => r.reward as number)),
    byFeedback,
    zeroVarianceGroups,
    retrieval: { ...retrieval, meanScore: mean(scores) },
    lessons: counters.lessons,
    leakageBlocks: counters.leakageBlocks,
    feedbackTokens: rollouts.reduce((a, r) => a + r.feedbackTokens, 0),
    latencyMs: {
      rolloutMedian: quantile(latencies, 0.5),
      rolloutP95: quantile(latencies, 0.95),
      step: counters.stepMs,
    },
    batchId: counters.batchId,
    policyVersion: counters.policyVersion,
  };
}
