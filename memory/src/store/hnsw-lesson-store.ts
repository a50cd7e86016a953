import type { Callbacks } from "@langchain/core/callbacks/manager";
import { Document, type DocumentInterface } from "@langchain/core/documents";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { maximalMarginalRelevance } from "@langchain/core/utils/math";
import { type MaxMarginalRelevanceSearchOptions, SaveableVectorStore } from "@langchain/core/vectorstores";
import { ConfigError, StorageError } from "@lanpo/core";
import type { SaveStep } from "./atomic-folder.js";
import type { CalibrateEfSearchOptions, EfSearchCalibration } from "./calibrate-ef-search.js";
import { checkAddBatch } from "./check-add-batch.js";
import { DirectIndex } from "./direct-index.js";
import { searchWithFilter } from "./filtered-search.js";
import { compileFilter, type HnswLessonStoreFilter } from "./hnsw-lesson-store-filter.js";
import {
  type HnswAddOptions,
  type HnswLessonStoreOptions,
  type HnswLoadOptions,
  type ResolvedHnswLessonStoreOptions,
  resolveHnswLessonStoreOptions,
  withDimensions,
} from "./hnsw-lesson-store-options.js";
import type { LabelIndex, ScoredLabel } from "./label-index.js";
import { openLabelIndex } from "./open-label-index.js";
import { ProjectedIndex, type ProjectionDecision } from "./projected-index.js";
import { isHnswlibFolder, readHnswlibFolder } from "./read-hnswlib-folder.js";
import { readStoreFolder } from "./read-store-folder.js";
import { RecallCheckSample } from "./recall-check-sample.js";
import { type RecallHost, RecallKeeper } from "./recall-keeper.js";
import { removeStoreFiles } from "./remove-store-files.js";
import type { StoredDocument } from "./store-manifest.js";
import { storeOptionsOf } from "./store-options-of.js";
import { assertVector } from "./vector-input-error.js";
import { writeStoreFolder } from "./write-store-folder.js";

export type { HnswAddOptions, HnswLoadOptions } from "./hnsw-lesson-store-options.js";
export { CALIBRATE_FROM, RECALL_MARGIN } from "./recall-keeper.js";

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

  private options: ResolvedHnswLessonStoreOptions;
  private labelIndex: LabelIndex | undefined;
  private readonly recall = new RecallKeeper();
  /** What the recall keeper reads and sets of this store. */
  private readonly host: RecallHost = {
    index: () => this.labelIndex,
    labels: () => [...this.byLabel.keys()],
    size: () => this.byLabel.size,
    target: () => this.options.recallTarget,
    seed: () => this.options.seed,
    efSearch: () => this.options.efSearch,
    setEfSearch: (ef) => {
      this.options.efSearch = ef;
    },
    unproject: () => {
      const index = this.labelIndex;
      if (!(index instanceof ProjectedIndex && this.projection?.auto && index.decision === "projected")) return false;
      index.unproject();
      this.syncGraphParameters();
      return true;
    },
  };
  private readonly byLabel = new Map<number, StoredDocument>();
  private readonly labelById = new Map<string, number>();
  private nextLabel = 0;
  private saveQueue: Promise<void> = Promise.resolve();
  /** Test hook: called between the steps of a save, to simulate a crash at each one. */
  onSaveStep: ((step: SaveStep) => void | Promise<void>) | undefined;

  /**
   * @param options LangChain `HNSWLib`'s constructor arguments work as they are
   *   (`{ space: "cosine", numDimensions }`, the size optional); see {@link HnswLessonStoreOptions}.
   */
  constructor(embeddings: EmbeddingsInterface, options: HnswLessonStoreOptions = {}) {
    const resolved = resolveHnswLessonStoreOptions(options);
    const { generateId: _generateId, ...serializable } = resolved;
    super(embeddings, serializable);
    this.options = resolved;
  }

  _vectorstoreType(): string {
    return "lanpo-hnsw";
  }

  /** Vector length every add and query must have; undefined until the first vectors when it was left out. */
  get numDimensions(): number | undefined {
    return this.options.numDimensions;
  }

  /**
   * The last recall calibration (see `recallTarget`): the efSearch it chose and the recall@k it
   * measured with held-out queries; null before the store first holds 2,048 documents. After
   * `load`, `afterLoad` is what the load measured on the saved check sample and what it did.
   */
  get calibration(): EfSearchCalibration | null {
    return this.recall.calibration;
  }

  /** The recall the store keeps by itself, or null when `recallTarget: false`. */
  get recallTarget(): { recall: number; k: number } | null {
    return this.options.recallTarget;
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
  get projection(): {
    dimensions: number;
    fitAfter: number;
    rerank: number;
    auto: boolean;
    energy: number | null;
    decision: ProjectionDecision;
  } | null {
    const settings = this.options.projection;
    if (!settings || settings === "auto") return null;
    const index = this.labelIndex instanceof ProjectedIndex ? this.labelIndex : undefined;
    return { ...settings, energy: index?.fitted?.energy ?? null, decision: index?.decision ?? "pending" };
  }

  /** Live documents. */
  get size(): number {
    return this.byLabel.size;
  }

  /** Slots the index holds before it must grow (0 before the first add). */
  get capacity(): number {
    return this.labelIndex?.capacity ?? 0;
  }

  /** Document with this id, or undefined. */
  getDocument(id: string): DocumentInterface | undefined {
    const label = this.labelById.get(id);
    const stored = label === undefined ? undefined : this.byLabel.get(label);
    return stored ? toDocument(stored) : undefined;
  }

  /**
   * The documents with these ids, in the order asked, skipping ids the store does not hold (the
   * `get_by_ids` of LangChain's standard vector-store cases).
   */
  async getByIds(ids: readonly string[]): Promise<DocumentInterface[]> {
    if (!Array.isArray(ids)) throw new ConfigError("ids", "getByIds needs an array of ids");
    return ids.flatMap((id) => {
      const doc = this.getDocument(id);
      return doc ? [doc] : [];
    });
  }

  /** Ids of all live documents (the generated ones included), in insertion order of their slots. */
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
    if (Array.isArray(documents) && documents.length === 0) return [];
    const vectors = await this.embeddings.embedDocuments(documents.map((doc) => doc.pageContent));
    return this.addVectors(vectors, documents, options);
  }

  /**
   * Adds or updates (by id) documents with their vectors. All input is validated first, so a bad
   * vector anywhere in the batch changes nothing. Returns the ids, position by position.
   */
  async addVectors(vectors: number[][], documents: DocumentInterface[], options?: HnswAddOptions): Promise<string[]> {
    const batch = checkAddBatch(vectors, documents, options?.ids, this.options.numDimensions, this.options.generateId);
    if (!batch) return [];
    const { dims, ids } = batch;
    vectors = batch.vectors;
    // Everything below is synchronous: concurrent callers cannot interleave and lose writes.
    if (this.options.numDimensions === undefined) this.options = withDimensions(this.options, dims);
    const fresh = new Set(ids.filter((id) => !this.labelById.has(id)));
    const index = this.ensureCapacity(fresh.size);
    const put = (i: number) => {
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
        this.recall.updated(existing);
        stored.label = existing;
      } else {
        stored.label = this.nextLabel++;
        index.insert(vectors[i] as number[], stored.label);
        this.recall.added(stored.label);
        this.labelById.set(id, stored.label);
      }
      this.byLabel.set(stored.label, stored);
    };
    // When this batch brings the store to a calibration point, some of its new vectors are held
    // back until the calibration has run: real queries from the user's own data that the index
    // does not hold yet, the most faithful held-out sample there is.
    const heldOut = this.recall.heldOutPositions(this.host, ids, fresh);
    for (let i = 0; i < ids.length; i++) if (!heldOut.has(i)) put(i);
    this.syncGraphParameters();
    if (heldOut.size > 0) {
      const queries = [...heldOut].map((i) => vectors[i] as number[]);
      const finalSize = this.byLabel.size + heldOut.size;
      if (index instanceof ProjectedIndex) index.fitIfDue(finalSize, queries);
      this.recall.keep(this.host, true, queries);
      for (const i of heldOut) put(i);
      this.syncGraphParameters();
      this.recall.calibratedAt(finalSize);
    } else {
      this.recall.keep(this.host);
    }
    return ids;
  }

  /** The automatic layout may rebuild its graph denser: `indexParameters` and saves say so. */
  private syncGraphParameters(): void {
    const index = this.labelIndex;
    if (index instanceof ProjectedIndex && index.efConstruction !== this.options.efConstruction) {
      this.options.efConstruction = index.efConstruction;
    }
  }

  /**
   * `delete({ ids })` removes documents by id (their slots are reused by later adds; unknown ids
   * are ignored). `delete({ directory })` removes a saved store's files from that folder, as
   * LangChain's HNSWLib does, leaving this store as it is; a later `load` of it fails with
   * `StorageError` ENOENT or MANIFEST. Both may be given.
   */
  override async delete(params?: { ids?: readonly string[]; directory?: string }): Promise<void> {
    const ids = params?.ids;
    const directory = params?.directory;
    if (!params || (ids === undefined && directory === undefined)) {
      throw new ConfigError("delete", "pass { ids: string[] } to remove documents or { directory } to remove a save");
    }
    if (ids !== undefined && !Array.isArray(ids)) throw new ConfigError("ids", "delete needs { ids: string[] }");
    if (directory !== undefined && (typeof directory !== "string" || directory.length === 0)) {
      throw new ConfigError("directory", "must be the path of a folder written by save()");
    }
    for (const id of ids ?? []) {
      const label = this.labelById.get(id);
      if (label === undefined || !this.labelIndex) continue;
      this.labelIndex.remove(label);
      this.recall.removed(label);
      this.labelById.delete(id);
      this.byLabel.delete(label);
    }
    if (directory !== undefined) {
      // Behind any save in flight, so it cannot recreate the files just removed.
      const run = this.saveQueue.then(() => removeStoreFiles(directory));
      this.saveQueue = run.catch(() => undefined);
      await run;
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
    return this.toResults(this.searchLabels(query, k, filter));
  }

  /**
   * Maximal marginal relevance: the `fetchK` most similar documents (passing `filter`), of which
   * `k` are chosen one by one, each maximising `lambda × similarity to the query − (1 − lambda) ×
   * its highest similarity to those already chosen`, over the vectors the store keeps. `lambda` 1
   * is plain similarity order, 0 the most diverse. Also what `asRetriever({ searchType: "mmr",
   * searchKwargs: { fetchK, lambda } })` calls.
   * @param options `k` (default 4), `fetchK` (default 20), `lambda` (default 0.5), `filter`
   */
  override async maxMarginalRelevanceSearch(
    query: string,
    options: MaxMarginalRelevanceSearchOptions<this["FilterType"]>,
    _callbacks?: Callbacks,
  ): Promise<DocumentInterface[]> {
    const vector = await this.embeddings.embedQuery(query);
    return this.maxMarginalRelevanceSearchByVector(vector, options);
  }

  /** {@link maxMarginalRelevanceSearch} from a query vector. */
  async maxMarginalRelevanceSearchByVector(
    query: number[],
    options: Partial<MaxMarginalRelevanceSearchOptions<this["FilterType"]>> = {},
  ): Promise<DocumentInterface[]> {
    const k = options.k ?? 4;
    const fetchK = options.fetchK ?? 20;
    const lambda = options.lambda ?? 0.5;
    if (typeof lambda !== "number" || !(lambda >= 0 && lambda <= 1))
      throw new ConfigError("lambda", `must be a number in [0, 1], got ${lambda}`);
    if (typeof fetchK !== "number" || !Number.isInteger(fetchK) || fetchK < 0)
      throw new ConfigError("fetchK", `must be a non-negative integer, got ${fetchK}`);
    const hits = this.searchLabels(query, Math.max(fetchK, k), options.filter);
    const index = this.labelIndex;
    if (!index || hits.length === 0 || k === 0) return [];
    const candidates = hits.map((hit) => Array.from(index.vector(hit.label)));
    const chosen = maximalMarginalRelevance(query, candidates, lambda, Math.min(k, hits.length));
    return chosen.map((i) => toDocument(this.byLabel.get((hits[i] as ScoredLabel).label) as StoredDocument));
  }

  /** The search behind every query form: labels and cosine similarities, most similar first. */
  private searchLabels(query: number[], k: number, filter?: this["FilterType"]): ScoredLabel[] {
    if (typeof k !== "number" || !Number.isInteger(k) || k < 0)
      throw new ConfigError("k", `must be a non-negative integer, got ${k}`);
    const accept = compileFilter(filter);
    const dims = this.options.numDimensions;
    // A store that has not seen a vector yet knows no size to check against: it answers [].
    if (dims === undefined) return [];
    assertVector(query, dims, 0, "query vector");
    if (!Array.isArray(query)) query = Array.from(query);
    const index = this.labelIndex;
    if (k === 0 || !index || this.byLabel.size === 0) return [];
    return searchWithFilter({
      index,
      documents: this.byLabel,
      query,
      k: Math.min(k, this.byLabel.size),
      efSearch: this.options.efSearch,
      accept,
    });
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
    return this.recall.calibrate(this.host, options);
  }

  /** Writes the store to `dir` atomically; see the package README for the folder layout. */
  async save(dir: string): Promise<void> {
    const run = this.saveQueue.then(() =>
      writeStoreFolder(
        dir,
        () => ({
          ...this.recall.snapshot(this.labelIndex, this.byLabel.size, this.options.efSearch),
          index: this.labelIndex,
          documents: this.byLabel.values(),
          nextLabel: this.nextLabel,
          parameters: {
            ...this.options,
            numDimensions: this.options.numDimensions ?? 0,
            projection: this.options.projection === "auto" ? null : this.options.projection,
            autoProjection: this.options.projection === "auto",
          },
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
   * whose `code` says what is wrong (see `readStoreFolder`). A folder saved by LangChain's
   * `HNSWLib` (`hnswlib.index`, `args.json`, `docstore.json`) opens too, as HNSWLib.load opened it.
   */
  static override async load(
    dir: string,
    embeddings: EmbeddingsInterface,
    options: HnswLoadOptions = {},
  ): Promise<HnswLessonStore> {
    if (isHnswlibFolder(dir)) return HnswLessonStore.fromHnswlibFolder(dir, embeddings, options);
    const contents = await readStoreFolder(dir, { withBytes: true });
    const { manifest, documents } = contents;
    const saved = manifest.numDimensions === 0 ? undefined : manifest.numDimensions;
    if (options.numDimensions !== undefined && saved !== undefined && options.numDimensions !== saved) {
      throw new StorageError(
        dir,
        `store holds ${manifest.numDimensions}-dimensional vectors, the embeddings make ${options.numDimensions}; open it with the embeddings it was built with`,
        { code: "DIMENSIONS" },
      );
    }
    let store: HnswLessonStore;
    try {
      store = new HnswLessonStore(embeddings, storeOptionsOf(manifest, options));
    } catch (error) {
      // The manifest has no checksum: settings no store could be built with mean it was edited or damaged.
      if (!ConfigError.isInstance(error)) throw error;
      throw new StorageError(dir, `manifest settings are invalid: ${error.message}`, {
        code: "MANIFEST",
        cause: error,
      });
    }
    store.labelIndex = await openLabelIndex(dir, contents, store.options);
    for (const doc of documents.documents) {
      store.byLabel.set(doc.label, doc);
      store.labelById.set(doc.id, doc.label);
    }
    store.nextLabel = documents.nextLabel;
    const sampleBytes = contents.bytes.check;
    const sample =
      sampleBytes && contents.checkPath && store.options.numDimensions !== undefined
        ? RecallCheckSample.fromBytes(
            contents.checkPath,
            sampleBytes,
            store.options.numDimensions,
            new Set(store.byLabel.keys()),
          )
        : undefined;
    store.recall.resume(store.host, manifest.calibration ?? null, sample);
    return store;
  }

  /**
   * Opens a folder saved by LangChain's `HNSWLib` (what `load` does with one): its documents, with
   * the vectors its index holds, in a new store of the same size (ids from `Document.id`, else
   * generated). Scores are cosine similarities whatever the folder's space. Save it to write the
   * folder in this store's format.
   */
  private static async fromHnswlibFolder(
    dir: string,
    embeddings: EmbeddingsInterface,
    options: HnswLoadOptions,
  ): Promise<HnswLessonStore> {
    const folder = await readHnswlibFolder(dir);
    if (options.numDimensions !== undefined && options.numDimensions !== folder.numDimensions) {
      throw new StorageError(
        dir,
        `HNSWLib folder holds ${folder.numDimensions}-dimensional vectors, the embeddings make ${options.numDimensions}; open it with the embeddings it was built with`,
        { code: "DIMENSIONS" },
      );
    }
    const store = new HnswLessonStore(embeddings, {
      numDimensions: folder.numDimensions,
      ...(options.recallTarget !== undefined ? { recallTarget: options.recallTarget } : {}),
      ...(options.generateId ? { generateId: options.generateId } : {}),
    });
    await store.addVectors(folder.vectors, folder.documents);
    return store;
  }

  /** Builds a store from texts, taking `numDimensions` from the first embedding unless given. */
  static override async fromTexts(
    texts: string[],
    metadatas: object[] | object,
    embeddings: EmbeddingsInterface,
    options: HnswLessonStoreOptions = {},
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

  /**
   * Builds a store from documents, taking `numDimensions` from the first embedding unless given;
   * with no documents the store infers it from the first vectors added later.
   */
  static override async fromDocuments(
    documents: DocumentInterface[],
    embeddings: EmbeddingsInterface,
    options: HnswLessonStoreOptions = {},
  ): Promise<HnswLessonStore> {
    const store = new HnswLessonStore(embeddings, options);
    await store.addDocuments(documents);
    return store;
  }

  /** Initialises the index on first use and doubles its capacity until `newPoints` fit. */
  private ensureCapacity(newPoints: number): LabelIndex {
    if (!this.labelIndex) {
      const capacity = Math.max(this.options.initialCapacity, newPoints);
      const { numDimensions, projection } = this.options;
      if (numDimensions === undefined) throw new Error("unreachable: the size is known before the first insert");
      this.labelIndex =
        projection && projection !== "auto"
          ? ProjectedIndex.create(numDimensions, this.options, projection, capacity)
          : DirectIndex.create(numDimensions, this.options, capacity);
      return this.labelIndex;
    }
    this.labelIndex.reserve(newPoints);
    return this.labelIndex;
  }
}

/** A stored document as LangChain sees it, its id included (generated ones too, as LangChain's standard cases expect). */
function toDocument(stored: StoredDocument): DocumentInterface {
  return new Document({ pageContent: stored.pageContent, metadata: { ...stored.metadata }, id: stored.id });
}
