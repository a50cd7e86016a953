import type { Rollout } from "./attempt.js";
import type { FeedbackKind } from "./feedback.js";

/** Mean reward and count of the rollouts of one feedback kind in a step. */
export interface FeedbackStats {
  rollouts: number;
  meanReward: number | null;
}

/** What one trainer step did: DESIGN.md section 3, point 9. */
export interface StepReport {
  step: number;
  problems: number;
  /** Groups skipped because the pool already held them (resume). */
  resumedGroups: number;
  rollouts: Rollout[];
  failedRollouts: number;
  meanReward: number | null;
  byFeedback: Record<FeedbackKind, FeedbackStats>;
  /** Groups whose rewards were all equal (no learning signal). */
  zeroVarianceGroups: number;
  retrieval: { queries: number; hits: number; abstentions: number };
  /** Lessons distilled this step: stored new, merged into old ones, rejected for containing the gold
   * answer, and abstractor replies with no usable lesson in them. */
  lessons: { added: number; merged: number; rejected: number; unparsed: number };
  leakageBlocks: number;
  feedbackTokens: number;
  latencyMs: { rolloutMedian: number | null; rolloutP95: number | null; step: number };
  batchId: string | null;
}
