import { z } from "zod";

/**
 * Bumped whenever the folder layout changes in a way older readers cannot follow. Version 2 added
 * the projected layout (`projection`, `files.vectors`, `files.projection`); stores without a
 * projection are still written as version 1, which every reader can open. Version 3: a projected
 * layout whose automatic check chose the direct graph saves no vectors file (its index file holds
 * the same unit vectors; `load` takes them from there); other stores are still written as 1 or 2.
 */
export const STORE_FORMAT_VERSION = 3;
export const STORE_FORMAT = "lanpo-hnsw-lesson-store";
export const MANIFEST_FILE = "manifest.json";

const fileEntry = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, "a plain file name"),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const measurement = z.object({
  recall: z.number().min(0).max(1),
  efSearch: z.number().int().positive(),
  sampleSize: z.number().int().nonnegative(),
  documents: z.number().int().nonnegative(),
});

/**
 * `manifest.json`, written last and renamed into place: the commit point of a save. It names the
 * index and documents files of one generation with their sizes and checksums, so a reader can
 * tell a complete save from a torn or mixed one.
 */
export const storeManifestSchema = z.object({
  format: z.literal(STORE_FORMAT),
  formatVersion: z.number().int().positive(),
  space: z.string(),
  /** 0 for a store saved before its first vector, whose size was left to infer. */
  numDimensions: z.number().int().nonnegative(),
  M: z.number().int().positive(),
  efConstruction: z.number().int().positive(),
  efSearch: z.number().int().positive(),
  seed: z.number().int().nonnegative(),
  /** The projected layout's settings; absent or null for the direct layout. */
  projection: z
    .object({
      dimensions: z.number().int().positive(),
      fitAfter: z.number().int().positive(),
      rerank: z.number().min(1),
      /** Share of energy the fitted basis keeps; null until it is fitted. */
      energy: z.number().min(0).max(1).nullable(),
      /** Chosen by `projection: "auto"` (absent in stores saved before it existed). */
      auto: z.boolean().optional(),
      /** pending (not fitted yet), projected, or direct (auto found the projection loses neighbours). */
      decision: z.enum(["pending", "projected", "direct"]).optional(),
    })
    .nullable()
    .optional(),
  /** Saved before its size was known: the layout is chosen automatically once it is. */
  autoProjection: z.boolean().optional(),
  /** The last recall calibration (see `HnswLessonStore.calibration`); absent when none ran. */
  calibration: z
    .object({
      efSearch: z.number().int().positive(),
      reached: z.boolean(),
      recall: z.number().min(0).max(1),
      targetRecall: z.number(),
      k: z.number().int().nonnegative(),
      sampleSize: z.number().int().nonnegative(),
      newVectors: z.number().int().nonnegative().optional(),
      documents: z.number().int().nonnegative(),
      recallByEf: z.array(z.object({ efSearch: z.number(), recall: z.number() })),
      /** The check sample's recall at the save (see `files.check`); absent in older saves. */
      check: measurement.optional(),
      /** What the load before this save measured and did (see `HnswLessonStore.calibration`). */
      afterLoad: measurement.extend({ action: z.enum(["kept", "retuned", "recalibrated"]) }).optional(),
    })
    .nullable()
    .optional(),
  counts: z.object({
    documents: z.number().int().nonnegative(),
    deleted: z.number().int().nonnegative(),
    indexElements: z.number().int().nonnegative(),
    capacity: z.number().int().nonnegative(),
  }),
  files: z.object({
    index: fileEntry.nullable(),
    documents: fileEntry,
    /**
     * Projected layout: the exact unit vectors, one row of float32 per document, by ascending
     * label; absent from format 3 with decision "direct", whose index file holds them.
     */
    vectors: fileEntry.nullable().optional(),
    /** Projected layout, once fitted: the basis, `projection.dimensions` rows of float32. */
    projection: fileEntry.nullable().optional(),
    /**
     * The recall check sample of the last calibration (see `RecallCheckSample`), which `load`
     * measures the loaded index with; absent before the first calibration and in older saves
     * (readers before it ignore it).
     */
    check: fileEntry.nullable().optional(),
  }),
  savedAtMs: z.number(),
});

export type StoreManifest = z.infer<typeof storeManifestSchema>;

/** One stored document in `documents-*.json`; `label` is its slot in the hnsw index. */
export const storedDocumentSchema = z.object({
  label: z.number().int().nonnegative(),
  id: z.string(),
  pageContent: z.string(),
  metadata: z.record(z.string(), z.unknown()),
});

export type StoredDocument = z.infer<typeof storedDocumentSchema>;

export const documentsFileSchema = z.object({
  nextLabel: z.number().int().nonnegative(),
  documents: z.array(storedDocumentSchema),
});

export type DocumentsFile = z.infer<typeof documentsFileSchema>;
