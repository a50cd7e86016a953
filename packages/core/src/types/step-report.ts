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
  /** Rollouts with no completion (transport failures): they take no part in advantages. */
  failedRollouts: number;
  /** Scored rollouts whose reply was empty, truncated or unparseable (scored 0, kept in advantages). */
  badReplies: number;
  meanReward: number | null;
  byFeedback: Record<FeedbackKind, FeedbackStats>;
  /** Groups whose rewards were all equal (no learning signal). */
  zeroVarianceGroups: number;
  /** Retrieval queries, hits, abstentions, and the mean similarity of the lessons retrieved (null when none were). */
  retrieval: { queries: number; hits: number; abstentions: number; meanScore: number | null };
  /** Lessons whose distillation finished during this step (distillation runs in the background, so
   * these are mostly the previous step's groups'): stored new, merged into old ones, rejected for
   * containing the gold answer, and abstractor replies with no usable lesson in them. */
  lessons: { added: number; merged: number; rejected: number; unparsed: number };
  leakageBlocks: number;
  feedbackTokens: number;
  /**
   * `step`: from the step's start, or, when it started while the step before ran (`overlapSteps`),
   * from that step's end, to its own end: what the step added to the run's time.
   */
  latencyMs: { rolloutMedian: number | null; rolloutP95: number | null; step: number };
  batchId: string | null;
  /** Policy version the step's rollouts were generated with. */
  policyVersion: string;
}
