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
}

/** Options with every default applied. */
export type ResolvedHnswLessonStoreOptions = Required<HnswLessonStoreOptions>;

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
});

/** Applies the defaults (the one place they are applied) and validates; throws `ConfigError`. */
export function resolveHnswLessonStoreOptions(options: HnswLessonStoreOptions): ResolvedHnswLessonStoreOptions {
  if (typeof options !== "object" || options === null) {
    throw new ConfigError("numDimensions", "HnswLessonStore needs options { numDimensions }; pass the embedding size");
  }
  const merged = { ...HNSW_STORE_DEFAULTS, generateId: () => crypto.randomUUID(), ...stripUndefined(options) };
  const parsed = optionsSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "options";
    throw new ConfigError(
      field,
      `${issue?.message ?? "invalid"} (got ${String((merged as Record<string, unknown>)[field])})`,
    );
  }
  return parsed.data;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
