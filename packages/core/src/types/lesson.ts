/**
 * A lesson distilled from one or more problems' verified groups, for use on *other* problems.
 */
export interface Lesson {
  id: string;
  text: string;
  /** Problems it was distilled from; a problem never receives a lesson listed here for it. */
  sourceProblemIds: string[];
  /**
   * `questionKey` of the question of every source problem (the drafts merged into it included): a
   * problem whose question has one of these keys never receives the lesson, whatever its id.
   * Memories written before this field existed derive it from `problemText`.
   */
  sourceQuestionKeys?: string[];
  /** The problem statement it is keyed by for retrieval (the first source's question). */
  problemText: string;
  createdAtMs: number;
  /** How many near-duplicate lessons were merged into this one. */
  mergedCount: number;
  /** How often it was retrieved into a context. */
  retrievals: number;
  /** Mean advantage of the rollouts that used it; null before any use. */
  meanAdvantage: number | null;
  /** Rollouts counted in `meanAdvantage`. */
  uses: number;
}

/** A lesson before it is stored. */
export interface LessonDraft {
  text: string;
  sourceProblemIds: string[];
  /** Question of the source problem: the retrieval key. */
  problemText: string;
}

/** A retrieved lesson and its cosine similarity to the query (higher is more similar). */
export interface ScoredLesson {
  lesson: Lesson;
  score: number;
}
