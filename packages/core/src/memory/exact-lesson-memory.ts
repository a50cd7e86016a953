import { randomUUID } from "node:crypto";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { ConfigError } from "../errors/config-error.js";
import type { Lesson, LessonDraft, ScoredLesson } from "../types/lesson.js";
import { questionKey } from "../util/question-key.js";
import type {
  LessonAddResult,
  LessonMemory,
  LessonMemoryStats,
  LessonSearchOptions,
  LessonUse,
} from "./lesson-memory.js";
import { suggestedMinScoreOf } from "./suggested-min-score.js";

/** Options of {@link ExactLessonMemory}. */
export interface ExactLessonMemoryOptions {
  /**
   * Cosine similarity of two lesson texts at or above which a new lesson is merged into the
   * existing one instead of stored beside it. @default 0.92
   */
  mergeThreshold?: number;
  /** Clock for `createdAtMs`, injectable for tests. @default Date.now */
  now?: () => number;
  /** Lesson id generator, injectable for tests. @default crypto.randomUUID */
  generateId?: () => string;
}

/** Vectors kept per cache (queries, problem texts): enough for a step's problems, bounded in memory. */
const QUERY_CACHE_SIZE = 256;

interface Entry {
  lesson: Lesson;
  /** Unit-length embedding of `lesson.problemText`: the retrieval key. */
  problemVector: Float64Array;
  /** Unit-length embedding of `lesson.text`: what near-duplicates are found by. */
  textVector: Float64Array;
}

/**
 * A {@link LessonMemory} that scans every lesson on each search: exact cosine similarity, no
 * index, nothing on disk. Right for tests, the demo and memories up to a few thousand lessons;
 * the HNSW memory in `@lanpo/memory` is the one to use past that.
 *
 * @example
 * ```ts
 * const memory = new ExactLessonMemory(new HashedLexicalEmbeddings());
 * await memory.add([{ text: "Multiply speed by time.", sourceProblemIds: ["p1"], problemText: q1 }]);
 * const hits = await memory.search(q2, { k: 3, minScore: 0.6, excludeProblemIds: ["p2"] });
 * ```
 */
export class ExactLessonMemory implements LessonMemory {
  /** The threshold its embeddings were calibrated for (their `lanpoMinScore`), if they carry one. */
  readonly suggestedMinScore: number | undefined;
  readonly #embeddings: EmbeddingsInterface;
  readonly #mergeThreshold: number;
  readonly #now: () => number;
  readonly #generateId: () => string;
  readonly #entries: Entry[] = [];
  readonly #byId = new Map<string, Entry>();
  readonly #queries = new Map<string, Float64Array>();
  readonly #documents = new Map<string, Float64Array>();
  #dimensions: number | undefined;
  #merges = 0;

  constructor(embeddings: EmbeddingsInterface, options: ExactLessonMemoryOptions = {}) {
    const { mergeThreshold, now, generateId } = {
      mergeThreshold: 0.92,
      now: Date.now,
      generateId: randomUUID,
      ...options,
    } satisfies Required<ExactLessonMemoryOptions>;
    if (!(Number.isFinite(mergeThreshold) && mergeThreshold > -1 && mergeThreshold <= 1)) {
      throw new ConfigError("mergeThreshold", `must be a number in (-1, 1], got ${String(mergeThreshold)}`);
    }
    this.#embeddings = embeddings;
    this.suggestedMinScore = suggestedMinScoreOf(embeddings);
    this.#mergeThreshold = mergeThreshold;
    this.#now = now;
    this.#generateId = generateId;
  }

  async search(question: string, options: LessonSearchOptions): Promise<ScoredLesson[]> {
    validateSearchOptions(options);
    if (typeof question !== "string") throw new ConfigError("question", "must be a string");
    if (this.#entries.length === 0) return [];
    const query = await this.#queryVector(question);
    const excluded = new Set(options.excludeProblemIds);
    const excludedKeys = new Set(options.excludeQuestionKeys ?? []);
    const scored: { entry: Entry; score: number }[] = [];
    for (const entry of this.#entries) {
      if (entry.lesson.sourceProblemIds.some((id) => excluded.has(id))) continue;
      if (entry.lesson.sourceQuestionKeys?.some((key) => excludedKeys.has(key))) continue;
      const score = cosine(query, entry.problemVector);
      if (score >= options.minScore) scored.push({ entry, score });
    }
    // Stable sort: equal scores keep insertion order, so results are deterministic.
    scored.sort((a, b) => b.score - a.score);
    return scored.slice(0, options.k).map(({ entry, score }) => {
      entry.lesson.retrievals += 1;
      return { lesson: copy(entry.lesson), score };
    });
  }

  async add(drafts: readonly LessonDraft[]): Promise<LessonAddResult[]> {
    drafts.forEach(validateDraft);
    if (drafts.length === 0) return [];
    // One batched call per kind of text: remote embedders are charged per request.
    const textVectors = await this.#embeddings.embedDocuments(drafts.map((d) => d.text));
    const problems = await this.#problemVectors(drafts.map((d) => d.problemText));
    const checked = drafts.map((_, i) => ({
      text: this.#checkVector(textVectors[i], "embedDocuments"),
      problem: problems[i] as Float64Array,
    }));
    return drafts.map((draft, i) => {
      const vectors = checked[i] as { text: Float64Array; problem: Float64Array };
      const duplicate = this.#nearestByText(vectors.text);
      if (duplicate) {
        const lesson = duplicate.lesson;
        lesson.sourceProblemIds = [...new Set([...lesson.sourceProblemIds, ...draft.sourceProblemIds])];
        lesson.sourceQuestionKeys = [
          ...new Set([...(lesson.sourceQuestionKeys ?? []), questionKey(draft.problemText)]),
        ];
        lesson.mergedCount += 1;
        this.#merges += 1;
        return { lesson: copy(lesson), merged: true };
      }
      const lesson: Lesson = {
        id: this.#generateId(),
        text: draft.text,
        sourceProblemIds: [...new Set(draft.sourceProblemIds)],
        sourceQuestionKeys: [questionKey(draft.problemText)],
        problemText: draft.problemText,
        createdAtMs: this.#now(),
        mergedCount: 0,
        retrievals: 0,
        meanAdvantage: null,
        uses: 0,
      };
      const entry = { lesson, problemVector: vectors.problem, textVector: vectors.text };
      this.#entries.push(entry);
      this.#byId.set(lesson.id, entry);
      return { lesson: copy(lesson), merged: false };
    });
  }

  /** Lesson ids this memory does not hold are skipped: the lesson may come from another memory. */
  async recordUse(uses: readonly LessonUse[]): Promise<void> {
    uses.forEach((use, i) => {
      if (!Number.isFinite(use.advantage)) {
        throw new ConfigError(`uses[${i}].advantage`, `must be a finite number, got ${String(use.advantage)}`);
      }
    });
    for (const use of uses) {
      for (const id of new Set(use.lessonIds)) {
        const lesson = this.#byId.get(id)?.lesson;
        if (!lesson) continue;
        const total = (lesson.meanAdvantage ?? 0) * lesson.uses + use.advantage;
        lesson.uses += 1;
        lesson.meanAdvantage = total / lesson.uses;
      }
    }
  }

  async get(id: string): Promise<Lesson | undefined> {
    const entry = this.#byId.get(id);
    return entry ? copy(entry.lesson) : undefined;
  }

  async stats(): Promise<LessonMemoryStats> {
    return { lessons: this.#entries.length, merges: this.#merges };
  }

  /** Nothing is buffered: every change is applied when made. */
  async flush(): Promise<void> {}

  /** Lessons of one problem arrive again and again: its document vector is embedded once. */
  async #problemVectors(texts: readonly string[]): Promise<Float64Array[]> {
    // Read from a local map: filling the bounded cache may evict a vector this very batch needs.
    const found = new Map<string, Float64Array>();
    for (const text of texts) {
      const cached = this.#documents.get(text);
      if (cached) found.set(text, cached);
    }
    const missing = [...new Set(texts.filter((t) => !found.has(t)))];
    if (missing.length > 0) {
      const vectors = await this.#embeddings.embedDocuments(missing);
      missing.forEach((text, i) => {
        const vector = this.#checkVector(vectors[i], "embedDocuments");
        found.set(text, vector);
        if (this.#documents.size >= QUERY_CACHE_SIZE)
          this.#documents.delete(this.#documents.keys().next().value as string);
        this.#documents.set(text, vector);
      });
    }
    return texts.map((t) => found.get(t) as Float64Array);
  }

  /** Problems recur across steps: their query vectors are kept (a bounded map, oldest dropped). */
  async #queryVector(question: string): Promise<Float64Array> {
    const cached = this.#queries.get(question);
    if (cached) return cached;
    const vector = this.#checkVector(await this.#embeddings.embedQuery(question), "embedQuery");
    if (this.#queries.size >= QUERY_CACHE_SIZE) this.#queries.delete(this.#queries.keys().next().value as string);
    this.#queries.set(question, vector);
    return vector;
  }

  #nearestByText(vector: Float64Array): Entry | undefined {
    let best: Entry | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const entry of this.#entries) {
      const score = cosine(vector, entry.textVector);
      if (score > bestScore) {
        best = entry;
        bestScore = score;
      }
    }
    return bestScore >= this.#mergeThreshold ? best : undefined;
  }

  /** Embedders are outside code: a wrong-sized or NaN vector would silently corrupt every score. */
  #checkVector(vector: unknown, method: string): Float64Array {
    if (!Array.isArray(vector) && !ArrayBuffer.isView(vector)) {
      throw new ConfigError("embeddings", `${method} returned ${typeof vector} instead of a vector of numbers`);
    }
    const values = Float64Array.from(vector as ArrayLike<number>);
    if (values.length === 0) throw new ConfigError("embeddings", `${method} returned an empty vector`);
    if (values.some((x) => !Number.isFinite(x))) {
      throw new ConfigError("embeddings", `${method} returned a vector containing NaN or Infinity`);
    }
    this.#dimensions ??= values.length;
    if (values.length !== this.#dimensions) {
      throw new ConfigError(
        "embeddings",
        `${method} returned a ${values.length}-dimension vector but this memory holds ${this.#dimensions}-dimension ` +
          "vectors; use the same embeddings model for every call on one memory",
      );
    }
    return normalize(values);
  }
}

function validateSearchOptions(options: LessonSearchOptions): void {
  if (!(Number.isInteger(options.k) && options.k >= 1)) {
    throw new ConfigError("retrieval.k", `must be an integer >= 1, got ${String(options.k)}`);
  }
  if (!(typeof options.minScore === "number" && options.minScore >= -1 && options.minScore <= 1)) {
    throw new ConfigError(
      "retrieval.minScore",
      `must be a cosine similarity in [-1, 1], got ${String(options.minScore)}`,
    );
  }
  if (!Array.isArray(options.excludeProblemIds)) {
    throw new ConfigError("excludeProblemIds", "must be an array of problem ids");
  }
  if (options.excludeQuestionKeys !== undefined && !Array.isArray(options.excludeQuestionKeys)) {
    throw new ConfigError("excludeQuestionKeys", "must be an array of questionKey() strings");
  }
}

function validateDraft(draft: LessonDraft, i: number): void {
  if (typeof draft.text !== "string" || draft.text.trim() === "") {
    throw new ConfigError(`drafts[${i}].text`, "must be a non-empty string");
  }
  if (typeof draft.problemText !== "string" || draft.problemText.trim() === "") {
    throw new ConfigError(`drafts[${i}].problemText`, "must be the source problem's question, a non-empty string");
  }
  if (
    !Array.isArray(draft.sourceProblemIds) ||
    draft.sourceProblemIds.length === 0 ||
    draft.sourceProblemIds.some((id) => typeof id !== "string" || id === "")
  ) {
    throw new ConfigError(
      `drafts[${i}].sourceProblemIds`,
      "must list at least one problem id: without it the lesson could be retrieved for its own problem",
    );
  }
}

/** Scales to unit length once, so each comparison is a dot product; an all-zero vector stays zero. */
function normalize(vector: Float64Array): Float64Array {
  let norm = 0;
  for (const x of vector) norm += x * x;
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) * scale;
  return vector;
}

/**
 * Cosine similarity of two unit (or zero) vectors; 0 when either is zero, since an empty text has
 * no direction.
 */
function cosine(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  // Rounding can push a self-similarity past 1; clamp so scores stay in the documented range.
  return Math.max(-1, Math.min(1, dot));
}

function copy(lesson: Lesson): Lesson {
  return {
    ...lesson,
    sourceProblemIds: [...lesson.sourceProblemIds],
    sourceQuestionKeys: [...(lesson.sourceQuestionKeys ?? [])],
  };
}
