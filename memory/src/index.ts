// Vector store

// Embeddings (memory/src/embeddings/index.ts names them explicitly: defaultEmbeddings, HashedLexicalEmbeddings, ...)
export * from "./embeddings/index.js";
// Lesson memory
export { HnswLessonMemory } from "./lesson-memory/hnsw-lesson-memory.js";
export type { HnswLessonMemoryOptions } from "./lesson-memory/hnsw-lesson-memory-options.js";
export { LESSON_MEMORY_DEFAULTS } from "./lesson-memory/hnsw-lesson-memory-options.js";
export { lessonDraftSchema, lessonSchema } from "./lesson-memory/lesson-schema.js";
export { formatLessonsJsonl, parseLessonsJsonl } from "./lesson-memory/lessons-jsonl.js";
export type { MemoryFolderInfo } from "./lesson-memory/memory-folder.js";
export { readMemoryFolderInfo } from "./lesson-memory/memory-folder.js";
export type { SaveStep } from "./store/atomic-folder.js";
export type { CalibrateEfSearchOptions, EfSearchCalibration, RecallMeasurement } from "./store/calibrate-ef-search.js";
export type { HnswAddOptions, HnswLoadOptions } from "./store/hnsw-lesson-store.js";
export { CALIBRATE_FROM, HnswLessonStore, RECALL_MARGIN } from "./store/hnsw-lesson-store.js";
export type { HnswLessonStoreFilter, MetadataValue } from "./store/hnsw-lesson-store-filter.js";
export type {
  HnswLessonStoreOptions,
  ProjectionOptions,
  ResolvedHnswLessonStoreOptions,
} from "./store/hnsw-lesson-store-options.js";
export { AUTO_PROJECTION_FIT_AFTER, HNSW_STORE_DEFAULTS } from "./store/hnsw-lesson-store-options.js";
export type { HnswlibBuild } from "./store/hnswlib-binding.js";
export { hnswlibBuild } from "./store/hnswlib-binding.js";
export type { ProjectionDecision } from "./store/projected-index.js";
export type { StoreFolderContents } from "./store/read-store-folder.js";
export { readStoreFolder } from "./store/read-store-folder.js";
export type { StoreManifest } from "./store/store-manifest.js";
export type { VectorInputProblem } from "./store/vector-input-error.js";
// Errors
export { VectorInputError } from "./store/vector-input-error.js";
export type { LabelledDataset } from "./tune/labelled-dataset.js";
export { parseLabelledDataset, readLabelledDataset } from "./tune/labelled-dataset.js";
export { tunePlotSvg } from "./tune/tune-plot.js";
export type { TuneGrid, TuneOptions, TuneReport, TuneRow } from "./tune/tune-retrieval.js";
// Retrieval tuning
export { tuneRetrieval } from "./tune/tune-retrieval.js";
export { formatTuneTable } from "./tune/tune-table.js";
