import { existsSync } from "node:fs";
import { join } from "node:path";
import { Document } from "@langchain/core/documents";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import {
  ConfigError,
  type Lesson,
  type LessonAddResult,
  type LessonDraft,
  type LessonMemory,
  type LessonMemoryStats,
  type LessonSearchOptions,
  type LessonUse,
  questionKey,
  type ScoredLesson,
  StorageError,
  suggestedMinScoreOf,
} from "@lanpo/core";
import { HnswLessonStore } from "../store/hnsw-lesson-store.js";
import { readStoreFolder } from "../store/read-store-folder.js";
import { MANIFEST_FILE } from "../store/store-manifest.js";
import { assertVector, VectorInputError } from "../store/vector-input-error.js";
import { type HnswLessonMemoryOptions, LESSON_MEMORY_DEFAULTS } from "./hnsw-lesson-memory-options.js";
import { describeIssue, lessonDraftSchema, lessonSchema } from "./lesson-schema.js";
import { PROBLEMS_DIR, readMemoryFolderInfo, TEXTS_DIR, writeMemoryFolderInfo } from "./memory-folder.js";

/**
 * Core's `LessonMemory` on two {@link HnswLessonStore}s: one keyed by the lesson's problem text
 * (what `search` matches a question against) and one of lesson texts (what near-duplicate
 * detection compares). Persists to a folder when `dir` is given; `flush()` saves atomically.
 *
 * @example
 * const memory = await HnswLessonMemory.open({ dir: "runs/a/memory", embeddings: defaultEmbeddings() });
 * await memory.add([{ text: "Complete the square first.", sourceProblemIds: ["p1"], problemText: "Solve x^2+4x=5" }]);
 * const hits = await memory.search("Solve x^2+6x=7", { k: 3, minScore: 0.6, excludeProblemIds: ["p2"] });
 * await memory.flush();
 */
export class HnswLessonMemory implements LessonMemory {
  /**
   * The similarity threshold the embeddings were calibrated for (their numeric `lanpoMinScore`),
   * which the trainer takes as its `retrieval.minScore` default; undefined when they carry none.
   */
  readonly suggestedMinScore: number | undefined;
  private readonly lessons = new Map<string, Lesson>();
  private readonly dirty = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private infoWritten: boolean;

  private constructor(
    private readonly problems: HnswLessonStore,
    private readonly texts: HnswLessonStore,
    private readonly settings: {
      dir: string | undefined;
      embeddings: EmbeddingsInterface;
      mergeThreshold: number;
      numDimensions: number;
      embeddingsId: string;
      now: () => number;
      generateId: () => string;
    },
    infoWritten: boolean,
  ) {
    this.infoWritten = infoWritten;
    this.suggestedMinScore = suggestedMinScoreOf(settings.embeddings);
  }

  /**
   * Opens the memory in `dir` (or a new in-memory one). Checks that the folder was built with
   * embeddings of the same name and size; throws `StorageError` (code EMBEDDINGS or DIMENSIONS)
   * otherwise, or with the store's codes when a file is damaged.
   */
  static async open(options: HnswLessonMemoryOptions): Promise<HnswLessonMemory> {
    const mergeThreshold = options.mergeThreshold ?? LESSON_MEMORY_DEFAULTS.mergeThreshold;
    if (typeof mergeThreshold !== "number" || !(mergeThreshold > -1 && mergeThreshold <= 1)) {
      throw new ConfigError("mergeThreshold", `must be a number in (-1, 1], got ${String(mergeThreshold)}`);
    }
    if (!options.embeddings || typeof options.embeddings.embedQuery !== "function") {
      throw new ConfigError("embeddings", "pass a LangChain Embeddings (for example defaultEmbeddings())");
    }
    const embeddings = options.embeddings;
    const embeddingsId = options.embeddingsId ?? embeddings.constructor?.name ?? "unknown";
    // Embeddings that state their size (DefaultEmbeddings, HashedLexicalEmbeddings) spare a probe call.
    const stated = (embeddings as { dimensions?: unknown }).dimensions;
    const numDimensions =
      options.numDimensions ??
      (typeof stated === "number" && Number.isInteger(stated) && stated > 0
        ? stated
        : (await embeddings.embedQuery("dimension probe")).length);
    const generateId = options.generateId ?? (() => crypto.randomUUID());
    const settings = {
      dir: options.dir,
      embeddings,
      mergeThreshold,
      numDimensions,
      embeddingsId,
      now: options.now ?? Date.now,
      generateId,
    };
    const info = options.dir ? await readMemoryFolderInfo(options.dir) : undefined;
    // A folder whose first save never committed (the process died before the problems store's
    // manifest was renamed into place) holds no lessons yet: it opens as a new memory.
    const committed = info && options.dir ? existsSync(join(options.dir, PROBLEMS_DIR, MANIFEST_FILE)) : false;
    if (!info || !options.dir || !committed) {
      const storeOptions = { ...options.store, numDimensions, generateId };
      const memory = new HnswLessonMemory(
        new HnswLessonStore(embeddings, storeOptions),
        new HnswLessonStore(embeddings, storeOptions),
        settings,
        false,
      );
      return memory;
    }
    const dir = options.dir;
    if (info.embeddingsId !== embeddingsId) {
      throw new StorageError(
        dir,
        `memory was built with embeddings "${info.embeddingsId}", opened with "${embeddingsId}"; use the same embeddings`,
        {
          code: "EMBEDDINGS",
        },
      );
    }
    if (info.numDimensions !== numDimensions) {
      throw new StorageError(
        dir,
        `memory holds ${info.numDimensions}-dim vectors, the embeddings make ${numDimensions}; use the same embeddings`,
        {
          code: "DIMENSIONS",
        },
      );
    }
    const load = (sub: string) => HnswLessonStore.load(join(dir, sub), embeddings, { numDimensions, generateId });
    const problems = await load(PROBLEMS_DIR);
    const texts = await load(TEXTS_DIR).catch(
      () => new HnswLessonStore(embeddings, { ...options.store, numDimensions, generateId }),
    );
    const memory = new HnswLessonMemory(problems, texts, settings, true);
    for (const id of problems.ids()) memory.lessons.set(id, parseStoredLesson(dir, problems.getDocument(id)?.metadata));
    await memory.reconcileTexts();
    return memory;
  }

  /** Lessons of a memory folder, read without embeddings or the native index (for inspect/export). */
  static async readLessons(dir: string): Promise<Lesson[]> {
    const { documents } = await readStoreFolder(join(dir, PROBLEMS_DIR));
    return documents.documents.map((doc) => parseStoredLesson(dir, doc.metadata));
  }

  async search(question: string, options: LessonSearchOptions): Promise<ScoredLesson[]> {
    const { k, minScore, excludeProblemIds, excludeQuestionKeys } = checkSearchOptions(options);
    if (typeof question !== "string") throw new ConfigError("question", "must be a string");
    if (this.lessons.size === 0) return [];
    const vector = this.checkVector(await this.settings.embeddings.embedQuery(question), "embedQuery");
    const excludedIds = new Set(excludeProblemIds);
    const excludedKeys = new Set(excludeQuestionKeys ?? []);
    // Applied inside the graph search, so an excluded lesson (own problem or a twin under another
    // id) never takes one of the k places.
    const predicate = (doc: { id?: string }) => {
      const lesson = doc.id === undefined ? undefined : this.lessons.get(doc.id);
      return (
        lesson !== undefined &&
        !lesson.sourceProblemIds.some((id) => excludedIds.has(id)) &&
        !sourceKeysOf(lesson).some((key) => excludedKeys.has(key))
      );
    };
    const hits = await this.problems.similaritySearchVectorWithScore(
      vector,
      k,
      excludedIds.size > 0 || excludedKeys.size > 0 ? { predicate } : undefined,
    );
    const results: ScoredLesson[] = [];
    for (const [doc, score] of hits) {
      const lesson = doc.id === undefined ? undefined : this.lessons.get(doc.id);
      if (!lesson || score < minScore) continue;
      lesson.retrievals++;
      this.dirty.add(lesson.id);
      results.push({ lesson: copy(lesson), score });
    }
    return results;
  }

  async add(drafts: readonly LessonDraft[]): Promise<LessonAddResult[]> {
    if (!Array.isArray(drafts)) throw new ConfigError("drafts", "add takes an array of lesson drafts");
    const checked = drafts.map((draft, i) => {
      const parsed = lessonDraftSchema.safeParse(draft);
      if (!parsed.success) {
        const { path, message } = describeIssue(parsed.error);
        throw new ConfigError(`drafts[${i}]${path ? `.${path}` : ""}`, message);
      }
      return parsed.data;
    });
    if (checked.length === 0) return [];
    const [textVectors, problemVectors] = await this.embedPairs(checked);
    // Merging reads then writes the lesson-text index: one batch at a time, so two concurrent
    // adds of the same lesson still merge.
    return this.exclusive(async () => {
      const results: LessonAddResult[] = [];
      for (let i = 0; i < checked.length; i++) {
        const draft = checked[i] as LessonDraft;
        const textVector = textVectors[i] as number[];
        const [nearest] = await this.texts.similaritySearchVectorWithScore(textVector, 1);
        const target =
          nearest && nearest[1] >= this.settings.mergeThreshold && nearest[0].id
            ? this.lessons.get(nearest[0].id)
            : undefined;
        if (target) {
          target.sourceProblemIds = [...new Set([...target.sourceProblemIds, ...draft.sourceProblemIds])];
          target.sourceQuestionKeys = [...new Set([...sourceKeysOf(target), questionKey(draft.problemText)])];
          target.mergedCount++;
          this.dirty.add(target.id);
          results.push({ lesson: copy(target), merged: true });
          continue;
        }
        const lesson: Lesson = {
          id: this.settings.generateId(),
          text: draft.text,
          sourceProblemIds: [...new Set(draft.sourceProblemIds)],
          sourceQuestionKeys: [questionKey(draft.problemText)],
          problemText: draft.problemText,
          createdAtMs: this.settings.now(),
          mergedCount: 0,
          retrievals: 0,
          meanAdvantage: null,
          uses: 0,
        };
        await this.insert(lesson, problemVectors[i] as number[], textVector);
        results.push({ lesson: copy(lesson), merged: false });
      }
      return results;
    });
  }

  async recordUse(uses: readonly LessonUse[]): Promise<void> {
    if (!Array.isArray(uses)) throw new ConfigError("uses", "recordUse takes an array of { lessonIds, advantage }");
    uses.forEach((use, i) => {
      if (!use || !Array.isArray(use.lessonIds))
        throw new ConfigError(`uses[${i}].lessonIds`, "must be an array of lesson ids");
      if (typeof use.advantage !== "number" || !Number.isFinite(use.advantage)) {
        throw new ConfigError(`uses[${i}].advantage`, `must be a finite number, got ${use.advantage}`);
      }
    });
    for (const use of uses) {
      for (const id of new Set<string>(use.lessonIds)) {
        const lesson = this.lessons.get(id);
        // A lesson unknown here (dropped, or from another memory) has no statistics to update.
        if (!lesson) continue;
        lesson.uses++;
        lesson.meanAdvantage =
          (lesson.meanAdvantage ?? 0) + (use.advantage - (lesson.meanAdvantage ?? 0)) / lesson.uses;
        this.dirty.add(id);
      }
    }
  }

  async get(id: string): Promise<Lesson | undefined> {
    const lesson = this.lessons.get(id);
    return lesson ? copy(lesson) : undefined;
  }

  async stats(): Promise<LessonMemoryStats> {
    let merges = 0;
    for (const lesson of this.lessons.values()) merges += lesson.mergedCount;
    return { lessons: this.lessons.size, merges };
  }

  /** Every lesson, oldest first. */
  list(): Lesson[] {
    return [...this.lessons.values()].sort((a, b) => a.createdAtMs - b.createdAtMs).map(copy);
  }

  /**
   * Stores lessons as they are (ids, counts and provenance kept; no merging), replacing lessons
   * with the same id. For `lanpo memory import`.
   */
  async importLessons(lessons: readonly Lesson[]): Promise<{ added: number; replaced: number }> {
    const checked = lessons.map((lesson, i) => {
      const parsed = lessonSchema.safeParse(lesson);
      if (!parsed.success) {
        const { path, message } = describeIssue(parsed.error);
        throw new ConfigError(`lessons[${i}]${path ? `.${path}` : ""}`, message);
      }
      return withQuestionKeys(parsed.data);
    });
    if (checked.length === 0) return { added: 0, replaced: 0 };
    const [textVectors, problemVectors] = await this.embedPairs(checked);
    return this.exclusive(async () => {
      const known = new Set(this.lessons.keys());
      let replaced = 0;
      for (const lesson of checked) {
        if (known.has(lesson.id)) replaced++;
        known.add(lesson.id);
      }
      // One batch per index: a batch that reaches a calibration point lends the store some of its
      // new vectors as held-out queries (see HnswLessonStore.addVectors).
      const copies = checked.map((lesson) => ({ ...lesson }));
      await this.texts.addVectors(
        textVectors,
        copies.map((lesson) => new Document({ pageContent: lesson.text, id: lesson.id })),
      );
      await this.problems.addVectors(
        problemVectors,
        copies.map(
          (lesson) =>
            new Document({ pageContent: lesson.problemText, metadata: lessonMetadata(lesson), id: lesson.id }),
        ),
      );
      for (const lesson of copies) this.lessons.set(lesson.id, lesson);
      return { added: checked.length - replaced, replaced };
    });
  }

  /** Saves both indexes atomically to `dir`; a no-op for an in-memory memory. */
  async flush(): Promise<void> {
    const dir = this.settings.dir;
    if (!dir) return;
    await this.exclusive(async () => {
      for (const id of this.dirty) {
        const lesson = this.lessons.get(id);
        if (lesson) this.problems.updateMetadata(id, lessonMetadata(lesson));
      }
      this.dirty.clear();
      // The info file comes first, so a folder with anything in it is recognisably ours even if
      // this first save dies half-way; the problems store's manifest is the commit point.
      if (!this.infoWritten) {
        await writeMemoryFolderInfo(dir, {
          numDimensions: this.settings.numDimensions,
          embeddingsId: this.settings.embeddingsId,
        });
        this.infoWritten = true;
      }
      // Texts before problems: a crash between the two saves leaves extra text vectors, which open() drops.
      await this.texts.save(join(dir, TEXTS_DIR));
      await this.problems.save(join(dir, PROBLEMS_DIR));
    });
  }

  private async insert(lesson: Lesson, problemVector: number[], textVector: number[]): Promise<void> {
    await this.texts.addVectors([textVector], [new Document({ pageContent: lesson.text, id: lesson.id })]);
    await this.problems.addVectors(
      [problemVector],
      [new Document({ pageContent: lesson.problemText, metadata: lessonMetadata(lesson), id: lesson.id })],
    );
    this.lessons.set(lesson.id, lesson);
  }

  /** Makes the lesson-text index hold exactly the stored lessons (after a crash between saves). */
  private async reconcileTexts(): Promise<void> {
    const extra = this.texts.ids().filter((id) => !this.lessons.has(id));
    if (extra.length > 0) await this.texts.delete({ ids: extra });
    const missing = [...this.lessons.values()].filter((lesson) => !this.texts.getDocument(lesson.id));
    if (missing.length === 0) return;
    const vectors = await this.settings.embeddings.embedDocuments(missing.map((l) => l.text));
    await this.texts.addVectors(
      vectors,
      missing.map((l) => new Document({ pageContent: l.text, id: l.id })),
    );
  }

  /** Embeds lesson texts and problem texts in two batched calls and checks every vector. */
  private async embedPairs(items: readonly { text: string; problemText: string }[]): Promise<[number[][], number[][]]> {
    const { embeddings } = this.settings;
    const [texts, problems] = await Promise.all([
      embeddings.embedDocuments(items.map((item) => item.text)),
      embeddings.embedDocuments(items.map((item) => item.problemText)),
    ]);
    for (const batch of [texts, problems]) {
      if (!Array.isArray(batch) || batch.length !== items.length) {
        throw new ConfigError(
          "embeddings",
          `embedDocuments returned ${Array.isArray(batch) ? batch.length : typeof batch} vectors for ${items.length} texts`,
        );
      }
      for (const vector of batch) this.checkVector(vector, "embedDocuments");
    }
    return [texts, problems];
  }

  /** Bad embeddings are a configuration problem of this memory: say so before the index sees them. */
  private checkVector(vector: unknown, method: string): number[] {
    const dims = this.settings.numDimensions;
    try {
      assertVector(vector, dims, 0, `${method} vector`);
    } catch (error) {
      if (!VectorInputError.isInstance(error)) throw error;
      const message =
        error.problem === "dimension"
          ? `${method} returned a ${error.actual}-dimensional vector, the memory holds ${dims}-dimensional vectors; use the embeddings it was built with`
          : error.problem === "not-finite"
            ? `${method} returned a vector containing NaN or Infinity`
            : `${method} returned ${typeof vector} instead of a vector of numbers`;
      throw new ConfigError("embeddings", message, { cause: error });
    }
    return vector;
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function lessonMetadata(lesson: Lesson): Record<string, unknown> {
  return { ...copy(lesson) };
}

function copy(lesson: Lesson): Lesson {
  return { ...lesson, sourceProblemIds: [...lesson.sourceProblemIds], sourceQuestionKeys: [...sourceKeysOf(lesson)] };
}

/** The lesson's question keys; a lesson written before they existed has its own problem's. */
function sourceKeysOf(lesson: Lesson): string[] {
  return lesson.sourceQuestionKeys ?? [questionKey(lesson.problemText)];
}

/** A stored or imported lesson with `sourceQuestionKeys` filled in (older versions wrote none). */
function withQuestionKeys(lesson: Lesson): Lesson {
  return lesson.sourceQuestionKeys ? lesson : { ...lesson, sourceQuestionKeys: [questionKey(lesson.problemText)] };
}

function parseStoredLesson(dir: string, metadata: unknown): Lesson {
  const parsed = lessonSchema.safeParse(metadata);
  if (!parsed.success) {
    const { path, message } = describeIssue(parsed.error);
    throw new StorageError(dir, `a stored lesson is malformed at ${path}: ${message}`, { code: "MISMATCH" });
  }
  return withQuestionKeys(parsed.data);
}

function checkSearchOptions(options: LessonSearchOptions): LessonSearchOptions {
  if (!options || typeof options !== "object")
    throw new ConfigError("options", "search needs { k, minScore, excludeProblemIds }");
  const { k, minScore, excludeProblemIds } = options;
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1)
    throw new ConfigError("k", `must be an integer >= 1, got ${k}`);
  if (typeof minScore !== "number" || !(minScore >= -1 && minScore <= 1)) {
    throw new ConfigError("minScore", `must be a cosine similarity in [-1, 1], got ${minScore}`);
  }
  if (!Array.isArray(excludeProblemIds)) throw new ConfigError("excludeProblemIds", "must be an array of problem ids");
  const { excludeQuestionKeys } = options;
  if (
    excludeQuestionKeys !== undefined &&
    (!Array.isArray(excludeQuestionKeys) || excludeQuestionKeys.some((key) => typeof key !== "string"))
  ) {
    throw new ConfigError("excludeQuestionKeys", "must be an array of questionKey(question) strings");
  }
  return options;
}
