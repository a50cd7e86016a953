import { Document, type DocumentInterface } from "@langchain/core/documents";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { SaveableVectorStore } from "@langchain/core/vectorstores";
import { ConfigError, StorageError } from "@lanpo/core";
import type { SaveStep } from "./atomic-folder.js";
import { type CalibrateEfSearchOptions, calibrateEfSearch, type EfSearchCalibration } from "./calibrate-ef-search.js";
import { DirectIndex } from "./direct-index.js";
import { compileFilter, type HnswLessonStoreFilter } from "./hnsw-lesson-store-filter.js";
import {
  type HnswLessonStoreOptions,
  type ResolvedHnswLessonStoreOptions,
  resolveHnswLessonStoreOptions,
} from "./hnsw-lesson-store-options.js";
import type { LabelIndex, ScoredLabel } from "./label-index.js";
import { openLabelIndex } from "./open-label-index.js";
import { ProjectedIndex } from "./projected-index.js";
import { readStoreFolder } from "./read-store-folder.js";
import type { StoredDocument } from "./store-manifest.js";
import { assertVector, VectorInputError } from "./vector-input-error.js";
import { writeStoreFolder } from "./write-store-folder.js";

/** Below this many passing documents, a short filtered search falls back to an exact scan at once. */
const EXACT_SCAN_MAX = 2048;

/** Options of `addVectors` / `addDocuments`. */
export interface HnswAddOptions {
  /** Ids of the documents, position by position; they win over `Document.id`. */
  ids?: readonly string[];
}

/** Options of {@link HnswLessonStore.load}. */
export interface HnswLoadOptions {
  /** When given, the folder must hold vectors of exactly this size (else `StorageError` DIMENSIONS). */
  numDimensions?: number;
  /** Makes ids for documents added later without one. @default crypto.randomUUID */
  generateId?: () => string;
}

/**
 * A LangChain `SaveableVectorStore` over hnswlib-node in cosine space, built for the lesson memory
 * but usable anywhere LangChain takes a vector store (`asRetriever()` included).
 *
 * Unlike LangChain's HNSWLib wrapper: scores are cosine similarities (higher is more similar);
 * `Document.id` is honoured and adding an existing id updates it; `delete({ ids })` works and its
 * slots are reused; capacity doubles; `efSearch` is applied, raised when a filter would leave fewer
 * than `k` results, and saved with `M` and `efConstruction`; saves are atomic and checked on load;
 * bad vectors raise `VectorInputError` before the native addon sees them.
 *
 * @example
 * const store = new HnswLessonStore(embeddings, { numDimensions: 512 });
 * await store.addDocuments([new Document({ pageContent: "x + 1 = 2", id: "p1" })]);
 * const hits = await store.similaritySearchWithScore("solve x + 1 = 2", 3); // [[doc, 0.93], ...]
 * await store.save("memory/problems");
 * const again = await HnswLessonStore.load("memory/problems", embeddings);
 */
export class HnswLessonStore extends SaveableVectorStore {
  declare FilterType: HnswLessonStoreFilter;

  private readonly options: ResolvedHnswLessonStoreOptions;
  private index: LabelIndex | undefined;
  private readonly byLabel = new Map<number, StoredDocument>();
  private readonly labelById = new Map<string, number>();
  private nextLabel = 0;
  private saveQueue: Promise<void> = Promise.resolve();
  /** Test hook: called between the steps of a save, to simulate a crash at each one. */
  onSaveStep: ((step: SaveStep) => void | Promise<void>) | undefined;

  constructor(embeddings: EmbeddingsInterface, options: HnswLessonStoreOptions) {
    const resolved = resolveHnswLessonStoreOptions(options);
    const { generateId: _generateId, ...serializable } = resolved;
    super(embeddings, serializable);
    this.options = resolved;
  }

  _vectorstoreType(): string {
    return "lanpo-hnsw";
  }

  /** Vector length every add and query must have. */
  get numDimensions(): number {
    return this.options.numDimensions;
  }

  /** Candidate list size of searches (before raising for k or filters). */
  get efSearch(): number {
    return this.options.efSearch;
  }

  set efSearch(value: number) {
    if (!Number.isInteger(value) || value < 1)
      throw new ConfigError("efSearch", `must be a positive integer, got ${value}`);
    this.options.efSearch = value;
  }

  /** M, efConstruction and efSearch in force (restored by `load`). */
  get indexParameters(): { M: number; efConstruction: number; efSearch: number } {
    const { M, efConstruction, efSearch } = this.options;
    return { M, efConstruction, efSearch };
  }

  /**
   * The projected layout's settings and, once fitted, the share of energy its basis keeps; null
   * for the direct layout (see `HnswLessonStoreOptions.projection`).
   */
  get projection(): { dimensions: number; fitAfter: number; rerank: number; energy: number | null } | null {
    const settings = this.options.projection;
    if (!settings) return null;
    const fitted = this.index instanceof ProjectedIndex ? this.index.fitted : undefined;
    return { ...settings, energy: fitted?.energy ?? null };
  }

  /** Live documents. */
  get size(): number {
    return this.byLabel.size;
  }

  /** Slots the index holds before it must grow (0 before the first add). */
  get capacity(): number {
    return this.index?.capacity ?? 0;
  }

  /** Document with this id, or undefined. */
  getDocument(id: string): DocumentInterface | undefined {
    const label = this.labelById.get(id);
    const stored = label === undefined ? undefined : this.byLabel.get(label);
    return stored ? toDocument(stored) : undefined;
  }

  /** Ids of all live documents, in insertion order of their slots. */
  ids(): string[] {
    return [...this.byLabel.values()].map((doc) => doc.id);
  }

  /** Replaces a document's metadata without touching its vector. Returns false for an unknown id. */
  updateMetadata(id: string, metadata: Record<string, unknown>): boolean {
    const label = this.labelById.get(id);
    const stored = label === undefined ? undefined : this.byLabel.get(label);
    if (!stored) return false;
    stored.metadata = { ...metadata };
    return true;
  }

  async addDocuments(documents: DocumentInterface[], options?: HnswAddOptions): Promise<string[]> {
    const vectors = await this.embeddings.embedDocuments(documents.map((doc) => doc.pageContent));
    return this.addVectors(vectors, documents, options);
  }

  /**
   * Adds or updates (by id) documents with their vectors. All input is validated first, so a bad
   * vector anywhere in the batch changes nothing. Returns the ids, position by position.
   */
  async addVectors(vectors: number[][], documents: DocumentInterface[], options?: HnswAddOptions): Promise<string[]> {
    if (!Array.isArray(vectors) || !Array.isArray(documents) || vectors.length !== documents.length) {
      throw new VectorInputError(
        "batch-length",
        `got ${vectors?.length} vectors for ${documents?.length} documents; pass one vector per document`,
      );
    }
    const given = options?.ids;
    if (given !== undefined && given.length !== documents.length) {
      throw new ConfigError(
        "ids",
        `got ${given.length} ids for ${documents.length} documents; pass one id per document`,
      );
    }
    const dims = this.options.numDimensions;
    for (const [i, vector] of vectors.entries()) assertVector(vector, dims, i, "vector");
    // hnswlib-node takes plain arrays only.
    vectors = vectors.map((vector) => (Array.isArray(vector) ? vector : Array.from(vector)));
    const ids = documents.map((doc, i) => given?.[i] ?? doc.id ?? this.options.generateId());
    ids.forEach((id, i) => {
      if (typeof id !== "string" || id.length === 0)
        throw new ConfigError(`ids.${i}`, "every id must be a non-empty string");
    });
    // Everything below is synchronous: concurrent callers cannot interleave and lose writes.
    const fresh = new Set(ids.filter((id) => !this.labelById.has(id)));
    const index = this.ensureCapacity(fresh.size);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      const doc = documents[i] as DocumentInterface;
      const stored: StoredDocument = {
        label: 0,
        id,
        pageContent: doc.pageContent,
        metadata: { ...(doc.metadata ?? {}) },
      };
      const existing = this.labelById.get(id);
      if (existing !== undefined) {
        index.update(vectors[i] as number[], existing);
        stored.label = existing;
      } else {
        stored.label = this.nextLabel++;
        index.insert(vectors[i] as number[], stored.label);
        this.labelById.set(id, stored.label);
      }
      this.byLabel.set(stored.label, stored);
    }
    return ids;
  }

  /** Removes documents by id; their slots are reused by later adds. Unknown ids are ignored. */
  override async delete(params?: { ids?: readonly string[] }): Promise<void> {
    if (!params || !Array.isArray(params.ids)) throw new ConfigError("ids", "delete needs { ids: string[] }");
    for (const id of params.ids) {
      const label = this.labelById.get(id);
      if (label === undefined || !this.index) continue;
      this.index.remove(label);
      this.labelById.delete(id);
      this.byLabel.delete(label);
    }
  }

  /**
   * The `k` most similar documents to `query` with their cosine similarity, most similar first.
   * Returns fewer only when fewer documents pass the filter; `[]` for an empty store or `k = 0`.
   */
  async similaritySearchVectorWithScore(
    query: number[],
    k: number,
    filter?: this["FilterType"],
  ): Promise<[DocumentInterface, number][]> {
    assertVector(query, this.options.numDimensions, 0, "query vector");
    if (!Array.isArray(query)) query = Array.from(query);
    if (typeof k !== "number" || !Number.isInteger(k) || k < 0)
      throw new ConfigError("k", `must be a non-negative integer, got ${k}`);
    const index = this.index;
    if (k === 0 || !index || this.byLabel.size === 0) return [];
    const accept = compileFilter(filter);
    let limit = Math.min(k, this.byLabel.size);
    const elements = index.elementCount;
    const labelFilter = accept
      ? (label: number) => {
          const doc = this.byLabel.get(label);
          return doc !== undefined && accept(doc.id, doc);
        }
      : undefined;
    const search = (ef: number) => index.search(query, limit, ef, labelFilter);
    let ef = Math.max(this.options.efSearch, limit);
    let hits = search(ef);
    let passing: number[] | undefined;
    if (hits.length < limit && accept) {
      // Short: count what passes (cheaper than searching the whole graph for results that do not
      // exist), and scan a small passing set exactly.
      passing = [...this.byLabel.values()].filter((doc) => accept(doc.id, doc)).map((doc) => doc.label);
      limit = Math.min(limit, passing.length);
      if (hits.length < limit && passing.length <= EXACT_SCAN_MAX)
        return this.toResults(index.exact(query, passing, limit));
    }
    while (hits.length < limit && ef < elements) {
      ef = Math.min(ef * 2, elements);
      hits = search(ef);
    }
    if (hits.length < limit) {
      // Still short at ef = every element (a filter can cut the graph apart): scan exactly.
      passing ??= [...this.byLabel.values()].filter((doc) => !accept || accept(doc.id, doc)).map((doc) => doc.label);
      hits = index.exact(query, passing, limit);
    }
    return this.toResults(hits);
  }

  private toResults(hits: ScoredLabel[]): [DocumentInterface, number][] {
    return hits.map(({ label, score }) => [toDocument(this.byLabel.get(label) as StoredDocument), score]);
  }

  /**
   * Adapts `efSearch` to this index: sets it to the smallest candidate whose recall@k against an
   * exact scan, on a sample of the stored vectors, reaches `targetRecall` (0.95 by default), and
   * returns what was measured. Costs one exact pass over all vectors per sample query; call it
   * after a large build, not per query. The chosen value is saved with the store.
   */
  calibrateEfSearch(options?: CalibrateEfSearchOptions): EfSearchCalibration {
    if (!this.index || this.byLabel.size < 2) return { efSearch: this.options.efSearch, reached: true, recallByEf: [] };
    const result = calibrateEfSearch(this.index, [...this.byLabel.keys()], options);
    this.options.efSearch = result.efSearch;
    return result;
  }

  /** Writes the store to `dir` atomically; see the package README for the folder layout. */
  async save(dir: string): Promise<void> {
    const run = this.saveQueue.then(() =>
      writeStoreFolder(
        dir,
        () => ({
          index: this.index,
          documents: this.byLabel.values(),
          nextLabel: this.nextLabel,
          parameters: this.options,
        }),
        this.onSaveStep,
      ),
    );
    this.saveQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Reopens a store saved with `save(dir)`, after checking that the folder is complete (sizes and
   * checksums), is in cosine space, and that index and documents agree. Throws `StorageError`
   * whose `code` says what is wrong (see `readStoreFolder`).
   */
  static override async load(
    dir: string,
    embeddings: EmbeddingsInterface,
    options: HnswLoadOptions = {},
  ): Promise<HnswLessonStore> {
    const contents = await readStoreFolder(dir);
    const { manifest, documents } = contents;
    if (options.numDimensions !== undefined && options.numDimensions !== manifest.numDimensions) {
      throw new StorageError(
        dir,
        `store holds ${manifest.numDimensions}-dimensional vectors, the embeddings make ${options.numDimensions}; open it with the embeddings it was built with`,
        { code: "DIMENSIONS" },
      );
    }
    const { numDimensions, M, efConstruction, efSearch, seed } = manifest;
    const { projection: settings } = manifest;
    let store: HnswLessonStore;
    try {
      store = new HnswLessonStore(embeddings, {
        numDimensions,
        M,
        efConstruction,
        efSearch,
        seed,
        ...(settings
          ? { projection: { dimensions: settings.dimensions, fitAfter: settings.fitAfter, rerank: settings.rerank } }
          : {}),
        ...(options.generateId ? { generateId: options.generateId } : {}),
      });
    } catch (error) {
      // The manifest has no checksum: settings no store could be built with mean it was edited or damaged.
      if (!ConfigError.isInstance(error)) throw error;
      throw new StorageError(dir, `manifest settings are invalid: ${error.message}`, {
        code: "MANIFEST",
        cause: error,
      });
    }
    store.index = await openLabelIndex(dir, contents, store.options);
    for (const doc of documents.documents) {
      store.byLabel.set(doc.label, doc);
      store.labelById.set(doc.id, doc.label);
    }
    store.nextLabel = documents.nextLabel;
    return store;
  }

  /** Builds a store from texts, taking `numDimensions` from the first embedding unless given. */
  static override async fromTexts(
    texts: string[],
    metadatas: object[] | object,
    embeddings: EmbeddingsInterface,
    options: Partial<HnswLessonStoreOptions> = {},
  ): Promise<HnswLessonStore> {
    const docs = texts.map(
      (text, i) =>
        new Document({
          pageContent: text,
          metadata: (Array.isArray(metadatas) ? metadatas[i] : metadatas) as Record<string, unknown>,
        }),
    );
    return HnswLessonStore.fromDocuments(docs, embeddings, options);
  }

  /** Builds a store from documents, taking `numDimensions` from the first embedding unless given. */
  static override async fromDocuments(
    documents: DocumentInterface[],
    embeddings: EmbeddingsInterface,
    options: Partial<HnswLessonStoreOptions> = {},
  ): Promise<HnswLessonStore> {
    const vectors = await embeddings.embedDocuments(documents.map((doc) => doc.pageContent));
    const numDimensions = options.numDimensions ?? vectors[0]?.length;
    if (numDimensions === undefined)
      throw new ConfigError("numDimensions", "no documents to infer it from; pass numDimensions");
    const store = new HnswLessonStore(embeddings, { ...options, numDimensions });
    await store.addVectors(vectors, documents);
    return store;
  }

  /** Initialises the index on first use and doubles its capacity until `newPoints` fit. */
  private ensureCapacity(newPoints: number): LabelIndex {
    if (!this.index) {
      const capacity = Math.max(this.options.initialCapacity, newPoints);
      const { numDimensions, projection } = this.options;
      this.index = projection
        ? ProjectedIndex.create(numDimensions, this.options, projection, capacity)
        : DirectIndex.create(numDimensions, this.options, capacity);
      return this.index;
    }
    this.index.reserve(newPoints);
    return this.index;
  }
}

function toDocument(stored: StoredDocument): DocumentInterface {
  return new Document({ pageContent: stored.pageContent, metadata: { ...stored.metadata }, id: stored.id });
}
