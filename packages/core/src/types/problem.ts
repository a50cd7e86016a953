/**
 * One problem of a data set. `answer` is the gold answer: only the reward function and the leakage
 * guard ever read it; it never reaches a prompt.
 */
export interface Problem {
  /** Stable id, unique within a data set (used for self-retrieval exclusion and resume). */
  id: string;
  /** The problem statement shown to the policy. */
  question: string;
  /** The gold answer. Never shown to the policy or the reflector. */
  answer: string;
  /** Free-form metadata carried along (subject, level, source); never used by the algorithm. */
  meta?: Record<string, unknown>;
}
