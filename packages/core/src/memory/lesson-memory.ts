import type { Lesson, LessonDraft, ScoredLesson } from "../types/lesson.js";

/** How to search the lesson memory. Every field is required: the trainer applies defaults once. */
export interface LessonSearchOptions {
  /** At most this many lessons. */
  k: number;
  /** Cosine similarity below which a lesson is not relevant; nothing above it means abstain. */
  minScore: number;
  /** Problems whose own lessons must not be returned (at least the query's own problem). */
  excludeProblemIds: readonly string[];
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
 *   descending; nothing under `minScore` and nothing whose `sourceProblemIds` intersects
 *   `excludeProblemIds` is returned; an empty array means "abstain".
 * - `add` merges a draft into an existing lesson when their texts are near-duplicates, keeping the
 *   union of source problem ids and counting the merge.
 * - `search` counts a retrieval on every lesson it returns.
 */
export interface LessonMemory {
  search(question: string, options: LessonSearchOptions): Promise<ScoredLesson[]>;
  add(drafts: readonly LessonDraft[]): Promise<LessonAddResult[]>;
  /** Fold the advantages of rollouts that used lessons into each lesson's `meanAdvantage`. */
  recordUse(uses: readonly LessonUse[]): Promise<void>;
  get(id: string): Promise<Lesson | undefined>;
  stats(): Promise<LessonMemoryStats>;
  /** Persist whatever is buffered; a no-op for purely in-memory implementations. */
  flush(): Promise<void>;
}
