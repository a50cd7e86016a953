import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import type { HnswLessonStoreOptions } from "../store/hnsw-lesson-store-options.js";

/** Options of {@link HnswLessonMemory.open}. Only `embeddings` is required. */
export interface HnswLessonMemoryOptions {
  /** Turns problem and lesson texts into vectors; the same ones every time a folder is opened. */
  embeddings: EmbeddingsInterface;
  /** Folder to persist to (created on the first `flush`); in-memory only when absent. */
  dir?: string;
  /**
   * Cosine similarity of two lesson texts at or above which a new lesson is merged into the old
   * one instead of being stored again. @default 0.92
   */
  mergeThreshold?: number;
  /**
   * Vector size of the embeddings. @default the embeddings' own `dimensions` property when it has
   * one, else the length of one probing `embedQuery` call
   */
  numDimensions?: number;
  /**
   * Names the embeddings in the folder so a memory built with one model is not searched with
   * another of the same size. @default embeddings.constructor.name
   */
  embeddingsId?: string;
  /**
   * HNSW parameters of both indexes (problem texts and lesson texts), for a new memory; an existing
   * one keeps what it was saved with. By default each store keeps recall@10 at 0.95 by itself and
   * picks its layout from the data (see `HnswLessonStoreOptions`).
   */
  store?: Pick<
    HnswLessonStoreOptions,
    "M" | "efConstruction" | "efSearch" | "initialCapacity" | "projection" | "recallTarget"
  >;
  /** Clock for `createdAtMs`. @default Date.now */
  now?: () => number;
  /** Lesson id generator. @default crypto.randomUUID */
  generateId?: () => string;
}

export const LESSON_MEMORY_DEFAULTS = { mergeThreshold: 0.92 } as const;
