import type { PriorAttempt, Reflection, Rollout } from "../types/attempt.js";

/** A verified group: every rollout of one problem in one step, with rewards and advantages set. */
export interface VerifiedGroup {
  problemId: string;
  step: number;
  rollouts: Rollout[];
  /** Reflections written while building this group's contexts. */
  reflections: Reflection[];
}

/** Which earlier attempt a reflection is built from. Never chosen by reward (DESIGN.md section 4). */
export type AttemptSelection = "most-recent" | "random";

/** Counts for reports and `lanpo` status lines. */
export interface PoolStats {
  groups: number;
  rollouts: number;
  failedRollouts: number;
  reflections: number;
  problems: number;
}

/**
 * The experience pool: the durable record of every verified group. Implementations write a group
 * atomically (all of its rollouts or none), so a crash never leaves half a group behind.
 *
 * Reads that feed prompts (`priorAttempts`) return `PriorAttempt`, which has no reward field:
 * nothing that builds a context can learn an attempt's outcome from the pool.
 */
export interface ExperiencePool {
  /**
   * Store a verified group in one transaction: all of it or nothing. Throws a `ConfigError` naming
   * the field for a malformed group, and a `StorageError` with code `LANPO_DUPLICATE_GROUP` when
   * (problemId, step) is already stored, `LANPO_DUPLICATE_ID` when a rollout or reflection id is.
   * Implementations copy the group: mutating it afterwards changes nothing stored.
   */
  recordGroup(group: VerifiedGroup): Promise<void>;
  /** Whether (problemId, step) is already stored: a resumed run skips it. */
  hasGroup(problemId: string, step: number): Promise<boolean>;
  /**
   * Earlier attempts at `problemId` made before `beforeStep`, right or wrong alike, text only:
   * newest step first, then by index within the step; at most `limit`. Failed rollouts (no
   * completion) are not returned. `question` is the last user message of the rollout's
   * `originalMessages` (the bare problem statement).
   */
  priorAttempts(problemId: string, options: { beforeStep: number; limit: number }): Promise<PriorAttempt[]>;
  /** Every stored rollout of a step, in (problemId, index) order (code-unit order of ids): for reports and resend. */
  rolloutsOfStep(step: number): Promise<Rollout[]>;
  /** Highest step with at least one stored group, or -1. */
  lastStep(): Promise<number>;
  stats(): Promise<PoolStats>;
  /** Release the pool. Calling it twice is fine; any other call afterwards throws (`LANPO_CLOSED`). */
  close(): Promise<void>;
}
