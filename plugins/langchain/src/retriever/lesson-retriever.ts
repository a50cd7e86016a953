import type { CallbackManagerForRetrieverRun } from "@langchain/core/callbacks/manager";
import { Document } from "@langchain/core/documents";
import { BaseRetriever, type BaseRetrieverInput } from "@langchain/core/retrievers";
import { ConfigError, type LessonMemory, questionKey, type ScoredLesson } from "@lanpo/core";

/** Options of {@link LessonRetriever}. */
export interface LessonRetrieverOptions extends BaseRetrieverInput {
  memory: LessonMemory;
  /** At most this many lessons. @default 3 */
  k?: number;
  /**
   * Cosine similarity under which a lesson is not relevant; nothing above it returns `[]`.
   * @default the memory's `suggestedMinScore`, else 0.9 (the paper's γ)
   */
  minScore?: number;
  /** Problems whose own lessons are never returned, by id. @default [] */
  excludeProblemIds?: readonly string[];
  /**
   * Problems whose own lessons are never returned, by question text: a lesson distilled from a
   * twin (the same question under another id, as `questionKey` defines it) is excluded too. The
   * query itself is always excluded this way. @default []
   */
  excludeQuestions?: readonly string[];
}

/** Metadata of each returned `Document`. */
export interface LessonDocumentMetadata {
  lessonId: string;
  /** Cosine similarity of the query to the lesson's source problem; higher is more similar. */
  similarity: number;
  sourceProblemIds: string[];
  sourceQuestionKeys: string[];
  /** The problem statement the lesson was distilled from. */
  problemText: string;
  createdAtMs: number;
  mergedCount: number;
  uses: number;
  meanAdvantage: number | null;
}

/**
 * A LangChain retriever over a LANPO {@link LessonMemory}: the query is a problem statement, the
 * documents are lessons distilled from *other*, similar problems, most similar first, each with
 * its similarity and provenance in `metadata`. It abstains (returns `[]`) when nothing reaches
 * `minScore`, and never returns a lesson from the query's own problem or a twin of it.
 *
 * @example
 * ```ts
 * const retriever = new LessonRetriever({ memory, k: 3, minScore: 0.6, excludeProblemIds: [problem.id] });
 * const docs = await retriever.invoke(problem.question);
 * ```
 */
export class LessonRetriever extends BaseRetriever<LessonDocumentMetadata> {
  lc_namespace = ["lanpo", "retrievers"];
  readonly #memory: LessonMemory;
  readonly k: number;
  readonly minScore: number;
  readonly excludeProblemIds: readonly string[];
  readonly #excludedKeys: readonly string[];

  static override lc_name(): string {
    return "LessonRetriever";
  }

  constructor(options: LessonRetrieverOptions) {
    super(options);
    if (typeof options?.memory?.search !== "function") {
      throw new ConfigError("memory", "must be a LessonMemory (ExactLessonMemory, HnswLessonMemory, ...)");
    }
    const k = options.k ?? 3;
    const minScore = options.minScore ?? options.memory.suggestedMinScore ?? 0.9;
    if (!(Number.isInteger(k) && k >= 1)) throw new ConfigError("k", `must be an integer >= 1, got ${String(k)}`);
    if (!(typeof minScore === "number" && minScore >= -1 && minScore <= 1)) {
      throw new ConfigError("minScore", `must be a cosine similarity in [-1, 1], got ${String(minScore)}`);
    }
    this.#memory = options.memory;
    this.k = k;
    this.minScore = minScore;
    this.excludeProblemIds = stringList(options.excludeProblemIds, "excludeProblemIds", "problem ids");
    this.#excludedKeys = stringList(options.excludeQuestions, "excludeQuestions", "question texts").map(questionKey);
  }

  override async _getRelevantDocuments(
    query: string,
    _runManager?: CallbackManagerForRetrieverRun,
  ): Promise<Document<LessonDocumentMetadata>[]> {
    if (typeof query !== "string") throw new ConfigError("query", "must be the problem statement, a string");
    if (query.trim() === "") return [];
    const excludeQuestionKeys = [...new Set([questionKey(query), ...this.#excludedKeys])];
    const hits = await this.#memory.search(query, {
      k: this.k,
      minScore: this.minScore,
      excludeProblemIds: this.excludeProblemIds,
      excludeQuestionKeys,
    });
    return hits.filter((hit) => keep(hit, this.excludeProblemIds, excludeQuestionKeys, this.minScore)).map(toDocument);
  }
}

/**
 * An exclusion list, checked: a lone string would otherwise be spread into characters and exclude
 * nothing, handing a problem its own lessons.
 */
function stringList(value: readonly string[] | undefined, field: string, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new ConfigError(field, `must be an array of ${what} (strings), got ${JSON.stringify(value)}`);
  }
  return [...value];
}

/**
 * The memory is asked to exclude already; this checks again, so a memory that ignores
 * `excludeQuestionKeys` (or a threshold) still cannot hand a problem its own lesson.
 */
function keep(hit: ScoredLesson, ids: readonly string[], keys: readonly string[], minScore: number): boolean {
  if (!(hit.score >= minScore)) return false;
  if (hit.lesson.sourceProblemIds.some((id) => ids.includes(id))) return false;
  return !sourceKeys(hit).some((key) => keys.includes(key));
}

function sourceKeys(hit: ScoredLesson): string[] {
  return hit.lesson.sourceQuestionKeys ?? [questionKey(hit.lesson.problemText)];
}

function toDocument(hit: ScoredLesson): Document<LessonDocumentMetadata> {
  const { lesson } = hit;
  return new Document({
    id: lesson.id,
    pageContent: lesson.text,
    metadata: {
      lessonId: lesson.id,
      similarity: hit.score,
      sourceProblemIds: [...lesson.sourceProblemIds],
      sourceQuestionKeys: sourceKeys(hit),
      problemText: lesson.problemText,
      createdAtMs: lesson.createdAtMs,
      mergedCount: lesson.mergedCount,
      uses: lesson.uses,
      meanAdvantage: lesson.meanAdvantage,
    },
  });
}
