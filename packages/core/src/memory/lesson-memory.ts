import type { Lesson, LessonDraft, ScoredLesson } from "../types/lesson.js";

/** How to search the lesson memory. Every field is required: the trainer applies defaults once. */
export interface LessonSearchOptions {
  /** At most this many lessons. */
  k: number;
  /** Cosine similarity below which a lesson is not relevant; nothing above it means abstain. */
  minScore: number;
  /** Problems whose own lessons must not be returned (at least the query's own problem). */
  excludeProblemIds: readonly string[];
  /**
   * Questions whose lessons must not be returned, as `questionKey`s: a lesson whose
   * `sourceQuestionKeys` meet these is excluded before the top `k` are taken (twins under other ids).
   */
  excludeQuestionKeys?: readonly string[];
}

/** What `add` did with one draft. */
export interface LessonAddResult {
  lesson: Lesson;
  /** True when the draft was a near-duplicate and was merged into an existing lesson. */
  merged: boolean;
}

/** One rollout's use of lessons, for per-lesson utility statistics. */
export interface LessonUse {
  lessonIds: readonly string[];
  advantage: number;
}

export interface LessonMemoryStats {
  lessons: number;
  merges: number;
}

/**
 * The abstraction memory: lessons keyed by the text of the problem they came from.
 *
 * Contract (see test/core/lesson-memory-contract.ts, run against every implementation):
 * - `search` scores are cosine similarities of problem texts, higher is more similar, sorted
 *   descending; nothing under `minScore`, nothing whose `sourceProblemIds` intersects
 *   `excludeProblemIds` and nothing whose `sourceQuestionKeys` intersects `excludeQuestionKeys` is
 *   returned (exclusions apply before the top `k` are taken); an empty array means "abstain".
 * - Every lesson carries `sourceQuestionKeys`, the union over merged drafts.
 * - `add` merges a draft into an existing lesson when their texts are near-duplicates, keeping the
 *   union of source problem ids and counting the merge.
 * - `search` counts a retrieval on every lesson it returns.
 */
export interface LessonMemory {
  /**
   * The similarity threshold its embeddings were calibrated for (their `lanpoMinScore`), used as the
   * trainer's `retrieval.minScore` when none is given; undefined when they carry none.
   */
  readonly suggestedMinScore?: number | undefined;
  search(question: string, options: LessonSearchOptions): Promise<ScoredLesson[]>;
  add(drafts: readonly LessonDraft[]): Promise<LessonAddResult[]>;
  /** Fold the advantages of rollouts that used lessons into each lesson's `meanAdvantage`. */
  recordUse(uses: readonly LessonUse[]): Promise<void>;
  get(id: string): Promise<Lesson | undefined>;
  stats(): Promise<LessonMemoryStats>;
  /** Persist whatever is buffered; a no-op for purely in-memory implementations. */
  flush(): Promise<void>;
}
