import { ConfigError } from "@lanpo/core";
import { z } from "zod";

/** Options of {@link HnswLessonStore}. Every field has a default. */
export interface HnswLessonStoreOptions {
  /**
   * Length of every vector; the embeddings must produce exactly this many numbers.
   * @default the length of the first vectors added (as LangChain's HNSWLib infers it)
   */
  numDimensions?: number;
  /**
   * Only `"cosine"` (scores are cosine similarities); accepted so that LangChain `HNSWLib`
   * constructor arguments (`{ space: "cosine", numDimensions }`) work unchanged. @default "cosine"
   */
  space?: "cosine";
  /**
   * The recall the store keeps by itself: when it first holds `CALIBRATE_FROM` (2,048) documents,
   * at every doubling after that, and after `load`, it measures recall@k of its own search against
   * an exact scan, with queries that are not in the index, and sets `efSearch` to the smallest
   * value that reaches `recall + 0.02` on that sample (the margin covers the sample's scatter).
   * A projected layout that cannot reach it falls back to the direct one. `false` leaves
   * `efSearch` as set. @default { recall: 0.95, k: 10 }
   */
  recallTarget?: { recall?: number; k?: number } | false;
  /**
   * Graph degree of the HNSW index (hnswlib's own default). With `efConstruction` 40 it reached
   * recall@10 >= 0.95 at efSearch 48-64 on 100k vectors shaped like sentence embeddings
   * (bench/memory-hnsw.bench.ts). @default 16
   */
  M?: number;
  /**
   * Candidate list size while inserting. hnswlib's own default is 200; 40 builds about three times
   * faster at 100k, and `efSearch` buys the recall back at query time. @default 40
   */
  efConstruction?: number;
  /**
   * Candidate list size while searching; raised automatically to at least `k`, and further when a
   * filter leaves fewer than `k` results. For large indexes, `calibrateEfSearch()` picks the
   * smallest value that reaches a target recall.
   * @default 32
   */
  efSearch?: number;
  /** Slots reserved at the first add; capacity then doubles whenever it runs out. @default 1024 */
  initialCapacity?: number;
  /** Seed of hnswlib's level generator, so the same inserts build the same graph. @default 100 */
  seed?: number;
  /** Makes ids for documents that come without one. @default crypto.randomUUID */
  generateId?: () => string;
  /**
   * The layout. With a projection the graph holds each vector's coordinates on its `dimensions`
   * leading principal directions (fitted once, when the store first holds `fitAfter` vectors) and
   * every search re-ranks `k × rerank` candidates by exact cosine, with the exact vectors kept
   * beside the graph. On 100k vectors shaped like sentence embeddings it builds about 1.5× faster
   * and answers about twice as fast at the same recall (bench/memory-hnsw.bench.ts), for 4 bytes ×
   * numDimensions more memory per vector; on data whose neighbours differ in many directions it
   * loses recall that no re-ranking brings back.
   *
   * `"auto"` decides from the data: when the store first holds 8,192 vectors it fits a basis of
   * numDimensions / 4 directions and measures, with held-out queries, whether the exact top 10
   * are among the projected top 30; it projects only if at least 99% are, and a later calibration
   * that cannot reach `recallTarget` on the projected graph rebuilds it over the vectors
   * themselves. Stores under 64 or over 1,024 dimensions stay direct. `false`: always direct.
   * @default "auto"
   */
  projection?: ProjectionOptions | "auto" | false;
}

/** See {@link HnswLessonStoreOptions.projection}. */
export interface ProjectionOptions {
  /** Coordinates the graph holds per vector; at most half of `numDimensions`. */
  dimensions: number;
  /** Vectors the store holds when the projection is fitted to them. @default max(2048, 4 × dimensions) */
  fitAfter?: number;
  /** Candidates taken from the graph per result wanted, re-ranked exactly. @default 3 */
  rerank?: number;
  /**
   * Set by `projection: "auto"`: project only if the fit's held-out check passes, and go back to
   * the direct layout if a calibration cannot reach the recall target. @default false
   */
  auto?: boolean;
}

/** The fit holds a numDimensions × numDimensions matrix (64 MB at this size) and works on it in WebAssembly. */
export const PROJECTION_MAX_SOURCE_DIMENSIONS = 4096;

/**
 * Options with every default applied. `numDimensions` is undefined until known (inferred from the
 * first vectors); `projection` is null when off, and `"auto"` until the dimensions are known.
 */
export type ResolvedHnswLessonStoreOptions = Required<
  Omit<HnswLessonStoreOptions, "projection" | "numDimensions" | "recallTarget">
> & {
  numDimensions: number | undefined;
  recallTarget: { recall: number; k: number } | null;
  projection: Required<ProjectionOptions> | "auto" | null;
};

export const HNSW_STORE_DEFAULTS = {
  space: "cosine",
  M: 16,
  efConstruction: 40,
  efSearch: 32,
  initialCapacity: 1024,
  seed: 100,
  recallTarget: { recall: 0.95, k: 10 },
} as const;

/** Vectors the automatic layout decides at (see `HnswLessonStoreOptions.projection`). */
export const AUTO_PROJECTION_FIT_AFTER = 8192;
/** Dimensions the automatic layout may project (below: little to gain; above: a costly fit). */
export const AUTO_PROJECTION_DIMENSIONS = { min: 64, max: 1024 } as const;

/**
 * The projection `"auto"` tries for vectors of `numDimensions`, or null where it stays direct.
 */
export function autoProjection(numDimensions: number): Required<ProjectionOptions> | null {
  if (numDimensions < AUTO_PROJECTION_DIMENSIONS.min || numDimensions > AUTO_PROJECTION_DIMENSIONS.max) return null;
  return {
    dimensions: Math.ceil(numDimensions / 4 / 16) * 16,
    fitAfter: AUTO_PROJECTION_FIT_AFTER,
    rerank: 3,
    auto: true,
  };
}

const positiveInt = (max: number) => z.number().int().positive().max(max);

const optionsSchema = z.object({
  numDimensions: positiveInt(65_536).optional(),
  space: z.literal("cosine", {
    error: (issue) =>
      `HnswLessonStore scores by cosine similarity only, got space ${JSON.stringify(issue.input)}; leave space out or pass "cosine" (for unit-length embeddings the ranking is the same as "ip")`,
  }),
  recallTarget: z.object({ recall: z.number().gt(0).max(0.99), k: positiveInt(1_000) }).nullable(),
  M: positiveInt(512),
  efConstruction: positiveInt(100_000),
  efSearch: positiveInt(100_000),
  initialCapacity: positiveInt(2 ** 31),
  seed: z.number().int().nonnegative(),
  generateId: z.custom<() => string>((value) => typeof value === "function", "expected a function"),
  projection: z
    .object({
      dimensions: positiveInt(65_536),
      fitAfter: positiveInt(2 ** 31),
      rerank: z.number().min(1).max(1_000),
      auto: z.boolean(),
    })
    .nullable(),
});

/** Applies the defaults (the one place they are applied) and validates; throws `ConfigError`. */
export function resolveHnswLessonStoreOptions(options: HnswLessonStoreOptions = {}): ResolvedHnswLessonStoreOptions {
  if (typeof options !== "object" || options === null) {
    throw new ConfigError("options", "HnswLessonStore options must be an object such as { numDimensions: 512 }");
  }
  for (const unsupported of ["docstore", "index"] as const) {
    if ((options as Record<string, unknown>)[unsupported] !== undefined) {
      throw new ConfigError(
        unsupported,
        `HnswLessonStore builds its own ${unsupported === "index" ? "hnswlib index" : "document store"}; to migrate from HNSWLib, add its documents (or HnswLessonStore.load its saved folder) instead of passing ${unsupported}`,
      );
    }
  }
  const { projection, recallTarget, ...rest } = options;
  const merged = {
    ...HNSW_STORE_DEFAULTS,
    generateId: () => crypto.randomUUID(),
    ...stripUndefined(rest),
    recallTarget:
      recallTarget === false || recallTarget === null
        ? null
        : { ...HNSW_STORE_DEFAULTS.recallTarget, ...stripUndefined(recallTarget ?? {}) },
    projection: projection === "auto" || projection === undefined ? null : resolveProjection(projection),
  };
  const parsed = optionsSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "options";
    throw new ConfigError(field, `${issue?.message ?? "invalid"} (got ${String(valueAt(merged, issue?.path ?? []))})`);
  }
  const resolved = {
    ...parsed.data,
    numDimensions: parsed.data.numDimensions,
    projection: projection === "auto" || projection === undefined ? ("auto" as const) : parsed.data.projection,
  };
  if (resolved.numDimensions !== undefined) return withDimensions(resolved, resolved.numDimensions);
  return resolved;
}

/**
 * The options once the vector size is known: `"auto"` becomes the projection it tries (or null),
 * and an explicit projection is checked against the size. Throws `ConfigError`.
 */
export function withDimensions(
  resolved: ResolvedHnswLessonStoreOptions,
  numDimensions: number,
): ResolvedHnswLessonStoreOptions {
  if (!Number.isInteger(numDimensions) || numDimensions < 1 || numDimensions > 65_536) {
    throw new ConfigError("numDimensions", `must be a positive integer of at most 65,536, got ${numDimensions}`);
  }
  const reduced = resolved.projection === "auto" ? autoProjection(numDimensions) : resolved.projection;
  const out = { ...resolved, numDimensions, projection: reduced };
  checkProjection(reduced, numDimensions);
  return out;
}

function checkProjection(reduced: Required<ProjectionOptions> | null, numDimensions: number): void {
  const resolved = { numDimensions };
  if (reduced && reduced.dimensions > resolved.numDimensions / 2) {
    throw new ConfigError(
      "projection.dimensions",
      `must be at most half of numDimensions (${resolved.numDimensions}), got ${reduced.dimensions}: a larger projection saves too little to pay for its re-ranking and fit; leave projection out to index the vectors themselves`,
    );
  }
  if (reduced && resolved.numDimensions > PROJECTION_MAX_SOURCE_DIMENSIONS) {
    throw new ConfigError(
      "projection",
      `works on vectors of at most ${PROJECTION_MAX_SOURCE_DIMENSIONS} numbers (its fit holds a numDimensions² matrix), got ${resolved.numDimensions}; leave projection out`,
    );
  }
  if (reduced && reduced.fitAfter < reduced.dimensions) {
    throw new ConfigError(
      "projection.fitAfter",
      `must be at least projection.dimensions (${reduced.dimensions}): a basis needs that many vectors to fit, got ${reduced.fitAfter}`,
    );
  }
}

function resolveProjection(projection: ProjectionOptions | false | undefined): unknown {
  if (projection === undefined || projection === null || projection === false) return null;
  if (typeof projection !== "object") return projection;
  const dimensions = projection.dimensions;
  return {
    fitAfter: typeof dimensions === "number" ? Math.max(2048, 4 * dimensions) : 2048,
    rerank: 3,
    auto: false,
    ...stripUndefined(projection),
  };
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((at, key) => (at as Record<PropertyKey, unknown> | undefined)?.[key], value);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Options of `addVectors` / `addDocuments`. */
export interface HnswAddOptions {
  /** Ids of the documents, position by position; they win over `Document.id`. */
  ids?: readonly string[];
}

/** Options of {@link HnswLessonStore.load}. */
export interface HnswLoadOptions {
  /** When given, the folder must hold vectors of exactly this size (else `StorageError` DIMENSIONS). */
  numDimensions?: number;
  /** Overrides the recall target (see `HnswLessonStoreOptions.recallTarget`). @default { recall: 0.95, k: 10 } */
  recallTarget?: HnswLessonStoreOptions["recallTarget"];
  /** Makes ids for documents added later without one. @default crypto.randomUUID */
  generateId?: () => string;
}
