/**
 * Fields that would tell a reflector whether an attempt was right. They are declared `never`, so an
 * object carrying one (a rollout, a graded attempt, a problem with its gold answer) does not
 * type-check as a reflection input, literal or not (DESIGN.md section 4).
 */
export interface NoLabelFields {
  readonly reward?: never;
  readonly advantage?: never;
  readonly correct?: never;
  readonly isCorrect?: never;
  readonly correctness?: never;
  readonly status?: never;
  readonly answer?: never;
  readonly goldAnswer?: never;
  readonly gold?: never;
}

/** An earlier attempt as a reflector may see it: its text, nothing about its outcome. */
export interface ReflectionAttempt extends NoLabelFields {
  /** The policy's completion, verbatim. */
  readonly completion: string;
  /** Carried into the result so the reflection can be traced back to it. */
  readonly attemptId?: string;
}

/** Input of `ReflectionChain`: the problem statement and earlier attempts at it, newest first. */
export interface ReflectionInput extends NoLabelFields {
  /** The problem statement as the policy saw it. */
  readonly problem: string;
  /** Earlier attempts at this problem, newest first (core's `PriorAttempt[]` fits). */
  readonly priorAttempts: readonly ReflectionAttempt[];
}

/** A reward-agnostic review of one earlier attempt. */
export interface ReflectionResult {
  /** The review, trimmed and cut to `maxReviewChars`. */
  text: string;
  /** The attempt reviewed; null when it had no id. */
  attemptId: string | null;
  /** The attempt's completion as the reflector was shown it (maybe truncated). */
  attempt: string;
}
