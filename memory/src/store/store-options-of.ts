import type { HnswLessonStoreOptions, HnswLoadOptions } from "./hnsw-lesson-store-options.js";
import type { StoreManifest } from "./store-manifest.js";

/** The options a saved store is reopened with: its manifest's settings, with what `load` was given. */
export function storeOptionsOf(manifest: StoreManifest, options: HnswLoadOptions): HnswLessonStoreOptions {
  const { M, efConstruction, efSearch, seed, projection: settings } = manifest;
  return {
    ...(manifest.numDimensions === 0 ? {} : { numDimensions: manifest.numDimensions }),
    M,
    efConstruction,
    efSearch,
    seed,
    projection: settings
      ? {
          dimensions: settings.dimensions,
          fitAfter: settings.fitAfter,
          rerank: settings.rerank,
          auto: settings.auto ?? false,
        }
      : manifest.autoProjection
        ? "auto"
        : false,
    ...(options.recallTarget !== undefined ? { recallTarget: options.recallTarget } : {}),
    ...(options.generateId ? { generateId: options.generateId } : {}),
  };
}
