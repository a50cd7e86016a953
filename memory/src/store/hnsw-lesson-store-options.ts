import { ConfigError } from "@lanpo/core";
import { z } from "zod";

/** Options of {@link HnswLessonStore}. Only `numDimensions` is required. */
export interface HnswLessonStoreOptions {
  /** Length of every vector; the embeddings must produce exactly this many numbers. */
  numDimensions: number;
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
   * For large stores: build the graph over each vector's coordinates on its `dimensions` leading
   * principal directions (fitted once, when the store first holds `fitAfter` vectors) and re-rank
   * `k × rerank` candidates by exact cosine, with the exact vectors kept beside the graph. On 100k
   * vectors shaped like USE-lite embeddings, `{ dimensions: 128 }` builds about twice as fast and
   * answers faster at the same recall (bench/memory-hnsw.bench.ts), for 4 bytes × numDimensions
   * more memory per vector. It pays when a few directions hold most of the energy (sentence
   * embeddings); for hashed lexical features, leave it off. Fixed at construction; saved.
   * @default undefined (off: the graph holds the vectors themselves)
   */
  projection?: ProjectionOptions;
}

/** See {@link HnswLessonStoreOptions.projection}. */
export interface ProjectionOptions {
  /** Coordinates the graph holds per vector; at most half of `numDimensions`. */
  dimensions: number;
  /** Vectors the store holds when the projection is fitted to them. @default max(2048, 4 × dimensions) */
  fitAfter?: number;
  /** Candidates taken from the graph per result wanted, re-ranked exactly. @default 3 */
  rerank?: number;
}

/** The fit holds a numDimensions × numDimensions matrix (64 MB at this size) and works on it in WebAssembly. */
export const PROJECTION_MAX_SOURCE_DIMENSIONS = 4096;

/** Options with every default applied; `projection` is null when off. */
export type ResolvedHnswLessonStoreOptions = Required<Omit<HnswLessonStoreOptions, "projection">> & {
  projection: Required<ProjectionOptions> | null;
};

export const HNSW_STORE_DEFAULTS = {
  M: 16,
  efConstruction: 40,
  efSearch: 32,
  initialCapacity: 1024,
  seed: 100,
} as const;

const positiveInt = (max: number) => z.number().int().positive().max(max);

const optionsSchema = z.object({
  numDimensions: positiveInt(65_536),
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
    })
    .nullable(),
});

/** Applies the defaults (the one place they are applied) and validates; throws `ConfigError`. */
export function resolveHnswLessonStoreOptions(options: HnswLessonStoreOptions): ResolvedHnswLessonStoreOptions {
  if (typeof options !== "object" || options === null) {
    throw new ConfigError("numDimensions", "HnswLessonStore needs options { numDimensions }; pass the embedding size");
  }
  const { projection, ...rest } = options;
  const merged = {
    ...HNSW_STORE_DEFAULTS,
    generateId: () => crypto.randomUUID(),
    ...stripUndefined(rest),
    projection: resolveProjection(projection),
  };
  const parsed = optionsSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "options";
    throw new ConfigError(field, `${issue?.message ?? "invalid"} (got ${String(valueAt(merged, issue?.path ?? []))})`);
  }
  const resolved = parsed.data;
  const reduced = resolved.projection;
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
  return resolved;
}

function resolveProjection(projection: ProjectionOptions | undefined): unknown {
  if (projection === undefined || projection === null) return null;
  if (typeof projection !== "object") return projection;
  const dimensions = projection.dimensions;
  return {
    fitAfter: typeof dimensions === "number" ? Math.max(2048, 4 * dimensions) : 2048,
    rerank: 3,
    ...stripUndefined(projection),
  };
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((at, key) => (at as Record<PropertyKey, unknown> | undefined)?.[key], value);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
