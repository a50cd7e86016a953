import type { PriorAttempt, Reflection, Rollout } from "../types/attempt.js";

/** A verified group: every rollout of one problem in one step, with rewards and advantages set. */
export interface VerifiedGroup {
  problemId: string;
  step: number;
  rollouts: Rollout[];
  /** Reflections written while building this group's contexts. */
  reflections: Reflection[];
  /**
   * False when lessons are still to be distilled from the group (distillation runs after the
   * group is stored); {@link ExperiencePool.markDistilled} sets it once they are durable in memory,
   * and a resumed run distils the groups still false. @default true
   */
  distilled?: boolean;
}

/** A stored group's key. */
export interface GroupKey {
  problemId: string;
  step: number;
}

/** Which earlier attempt a reflection is built from. Never chosen by reward (DESIGN.md section 4). */
export type AttemptSelection = "most-recent" | "random";

/** Counts for reports and `lanpo` status lines. */
export interface PoolStats {
  groups: number;
  rollouts: number;
  failedRollouts: number;
  /** Rollouts stored without a reward (`unscored`: an agent trial nothing scored). */
  unscoredRollouts: number;
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
  /**
   * The run this pool belongs to. The first call stores `candidate` and returns it; every later
   * call (in this process or after a restart) returns the stored id, whatever `candidate` is.
   * A run that resumes without naming its id therefore keeps its batch ids.
   */
  claimRunId(candidate: string): Promise<string>;
  /** Records that `step` is finished: its groups stored and its batch (if any) with the optimizer. */
  markStepFinished(step: number, batchId: string | null): Promise<void>;
  /** Steps recorded by {@link markStepFinished}, ascending: a resumed run skips them without re-reading. */
  finishedSteps(): Promise<number[]>;
  /** Marks groups whose lessons are now durable in memory. Unknown keys are ignored. */
  markDistilled(groups: readonly GroupKey[]): Promise<void>;
  /** Groups stored with `distilled: false` and not marked since, in (step, problemId) order. */
  undistilledGroups(): Promise<GroupKey[]>;
  /** Every stored rollout of one group, by index; empty when the group is not stored. */
  rolloutsOfGroup(problemId: string, step: number): Promise<Rollout[]>;
  /**
   * Makes every group recorded so far durable against power loss (one fsync), whatever the pool's
   * per-commit setting. The trainer calls it before a step's samples enter the optimizer's outbox.
   */
  sync(): Promise<void>;
  /** Release the pool. Calling it twice is fine; any other call afterwards throws (`LANPO_CLOSED`). */
  close(): Promise<void>;
}
