import { readFileSync } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { StorageError } from "@lanpo/core";
import { measureBytes, measureFile } from "./atomic-folder.js";
import { readIndexFileRows } from "./read-index-file-rows.js";
import {
  type DocumentsFile,
  documentsFileSchema,
  MANIFEST_FILE,
  STORE_FORMAT_VERSION,
  type StoreManifest,
  storeManifestSchema,
} from "./store-manifest.js";

/** What {@link readStoreFolder} found, verified: files complete, index header and documents agree. */
export interface StoreFolderContents {
  manifest: StoreManifest;
  documents: DocumentsFile;
  /** Null when the store was saved before anything was added. */
  indexPath: string | null;
  /** Projected layout: the exact vectors file (null for the direct layout or an empty store). */
  vectorsPath: string | null;
  /** Projected layout, once fitted: the basis file. */
  projectionPath: string | null;
  /** The recall check sample file, when the save has one. */
  checkPath: string | null;
  /**
   * With `withBytes`, what opening the store needs in memory, each file read once (checksums
   * taken on the way): the vectors, basis and check sample files. Index files are only streamed
   * through the checksum (a format-3 direct graph's also checked for its documents' vectors).
   */
  bytes: { vectors?: Buffer; projection?: Buffer; check?: Buffer };
}

/**
 * Reads and verifies a store folder without touching the native addon: the manifest, the size and
 * checksum of every file it names, the index file's header (dimensions, M, element count) and the
 * documents (counts, unique ids and labels). Throws `StorageError` with a `code` saying what is
 * wrong: ENOENT, MANIFEST, VERSION, SPACE, TRUNCATED, CHECKSUM, MISMATCH
 * (`HnswLessonStore.load` adds DIMENSIONS).
 */
export async function readStoreFolder(
  dir: string,
  options: {
    /**
     * Keep what opening the store needs in memory (`bytes`), read in the same pass as the
     * checksums; without it every file is only streamed through its checksum (what
     * `lanpo memory inspect` needs). @default false
     */
    withBytes?: boolean;
  } = {},
): Promise<StoreFolderContents> {
  const withBytes = options.withBytes ?? false;
  const dirStat = await stat(dir).catch(() => undefined);
  if (!dirStat?.isDirectory()) {
    throw new StorageError(dir, "no store folder here; save a store to it first or check the path", { code: "ENOENT" });
  }
  const manifest = await readManifest(dir);
  const fail = (code: string, message: string) => new StorageError(dir, message, { code });
  if (manifest.formatVersion > STORE_FORMAT_VERSION) {
    throw fail(
      "VERSION",
      `store format ${manifest.formatVersion} is newer than this reader (${STORE_FORMAT_VERSION}); upgrade @lanpo/memory`,
    );
  }
  if (manifest.space !== "cosine") {
    throw fail(
      "SPACE",
      `store uses space "${manifest.space}", HnswLessonStore only reads "cosine"; rebuild it from the documents`,
    );
  }
  const { files } = manifest;
  checkProjectedLayout(dir, manifest);
  const vectorsInIndex = Boolean(manifest.projection && files.index && !files.vectors);
  const bytes: StoreFolderContents["bytes"] = {};
  let documents: DocumentsFile | undefined;
  const entries = [
    ["documents", files.documents],
    ["index", files.index],
    ["vectors", files.vectors],
    ["projection", files.projection],
    ["check", files.check],
  ] as const;
  for (const [key, entry] of entries) {
    if (!entry) continue;
    const path = join(dir, entry.name);
    const found = await stat(path).catch(() => undefined);
    if (!found)
      throw fail(
        "TRUNCATED",
        `${entry.name} named by ${MANIFEST_FILE} is missing; the folder is incomplete, restore it from a backup`,
      );
    if (found.size !== entry.bytes) {
      throw fail(
        "TRUNCATED",
        `${entry.name} has ${found.size} bytes, ${MANIFEST_FILE} says ${entry.bytes}: the file is truncated or was replaced`,
      );
    }
    // What the reader needs anyway is read once and hashed on the way; the rest is streamed.
    const checksum = (sha256: string) => {
      if (sha256 !== entry.sha256)
        throw fail("CHECKSUM", `${entry.name} does not match its checksum in ${MANIFEST_FILE}: the file is corrupt`);
    };
    if (key === "index") {
      if (!vectorsInIndex || !withBytes) {
        checksum((await measureFile(path)).sha256);
        continue;
      }
      const labels = (documents as DocumentsFile).documents.map((doc) => doc.label);
      // Checked (every document's vector there and finite) in the checksum's pass; the rows are
      // taken out only when first needed (see `ProjectedIndex`).
      const read = readIndexFileRows(path, manifest.numDimensions, labels, { keepRows: false });
      checksum(read.sha256);
      if (read.problem) throw fail("MISMATCH", `${entry.name}: ${read.problem}`);
      continue;
    }
    if (key !== "documents" && !withBytes) {
      checksum((await measureFile(path)).sha256);
      continue;
    }
    const held = await readWhole(path);
    checksum(measureBytes(held).sha256);
    if (key === "documents") documents = readDocuments(dir, path, held.toString("utf8"));
    else bytes[key] = held;
  }
  if (!documents) throw new Error("unreachable: the documents entry is read first");
  const path = (entry: { name: string } | null | undefined) => (entry ? join(dir, entry.name) : null);
  const indexPath = path(files.index);
  if (indexPath) await checkIndexHeader(dir, indexPath, manifest);
  else if (manifest.counts.indexElements > 0)
    throw fail("MISMATCH", `${MANIFEST_FILE} counts index elements but names no index file`);
  checkDocuments(dir, manifest, documents);
  return {
    manifest,
    documents,
    indexPath,
    vectorsPath: path(files.vectors),
    projectionPath: path(files.projection),
    checkPath: path(files.check),
    bytes,
  };
}

/** The projected layout names its vectors with its index, and its basis once the basis is fitted. */
function checkProjectedLayout(dir: string, manifest: StoreManifest): void {
  const { projection, files } = manifest;
  const fail = (message: string) => new StorageError(dir, message, { code: "MISMATCH" });
  if (projection && manifest.formatVersion < 2) {
    throw new StorageError(
      dir,
      `${MANIFEST_FILE} says format ${manifest.formatVersion} but carries projection settings, which came with format 2`,
      { code: "MANIFEST" },
    );
  }
  if (!projection) {
    if (files.vectors || files.projection)
      throw fail(`${MANIFEST_FILE} names vectors or projection files but no projection settings`);
    return;
  }
  // Format 3 lets a direct graph's index file stand for the vectors file (it holds the same rows).
  const vectorsInIndex = projection.decision === "direct" && manifest.formatVersion >= 3;
  if (files.index && !files.vectors && !vectorsInIndex)
    throw fail(`${MANIFEST_FILE} has a projected index but names no vectors file`);
  if ((projection.energy === null) !== !files.projection) {
    throw fail(
      `${MANIFEST_FILE} says the projection is ${projection.energy === null ? "not " : ""}fitted but ${files.projection ? "names" : "does not name"} a projection file`,
    );
  }
}

/** Length of the vectors the index file holds: the projection's once it is fitted. */
function indexDimensions(manifest: StoreManifest): number {
  return manifest.projection && manifest.projection.energy !== null
    ? manifest.projection.dimensions
    : manifest.numDimensions;
}

async function readManifest(dir: string): Promise<StoreManifest> {
  const path = join(dir, MANIFEST_FILE);
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) {
    const langchain = await readFile(join(dir, "args.json"), "utf8").catch(() => undefined);
    const hint = langchain
      ? `it looks like a LangChain HNSWLib folder (args.json ${langchain.trim()}) without its hnswlib.index; restore the file, or re-add its documents to an HnswLessonStore`
      : "it is not an HnswLessonStore folder, or a save never completed";
    throw new StorageError(dir, `no ${MANIFEST_FILE}: ${hint}`, { code: "MANIFEST" });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StorageError(path, `not valid JSON (${(error as Error).message}); the manifest is damaged`, {
      code: "MANIFEST",
      cause: error,
    });
  }
  const parsed = storeManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StorageError(path, `not an HnswLessonStore manifest: ${issue?.path.join(".")}: ${issue?.message}`, {
      code: "MANIFEST",
    });
  }
  return parsed.data;
}

// hnswlib's saveIndex header: offsetLevel0, maxElements, count, sizeDataPerElement, labelOffset,
// offsetData (size_t each), maxLevel, enterPoint (4 bytes each), maxM, maxM0, M (size_t), mult
// (double), efConstruction (size_t).
const HEADER_BYTES = 96;

async function checkIndexHeader(dir: string, indexPath: string, manifest: StoreManifest): Promise<void> {
  const handle = await open(indexPath, "r");
  const header = Buffer.alloc(HEADER_BYTES);
  try {
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
    if (bytesRead < HEADER_BYTES)
      throw new StorageError(dir, "index file is shorter than its header", { code: "TRUNCATED" });
  } finally {
    await handle.close();
  }
  const u64 = (offset: number) => Number(header.readBigUInt64LE(offset));
  const count = u64(16);
  const dimensions = (u64(32) - u64(40)) / 4;
  const M = u64(72);
  const mismatch = (what: string, inIndex: number, inManifest: number) =>
    new StorageError(
      dir,
      `index file has ${what} ${inIndex} but ${MANIFEST_FILE} says ${inManifest}; index and manifest come from different stores`,
      {
        code: "MISMATCH",
      },
    );
  const expected = indexDimensions(manifest);
  if (dimensions !== expected) throw mismatch("dimensions", dimensions, expected);
  if (M !== manifest.M) throw mismatch("M", M, manifest.M);
  if (count !== manifest.counts.indexElements) throw mismatch("element count", count, manifest.counts.indexElements);
}

/**
 * The whole file, as `StorageError` when it cannot be read. Synchronous: one read of a 200 MB
 * vectors file, where `readFile` makes hundreds of thread-pool round trips (twice as slow on a
 * loaded host).
 */
async function readWhole(path: string): Promise<Buffer> {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new StorageError(path, `cannot read: ${(error as Error).message}`, { cause: error });
  }
}

function readDocuments(dir: string, path: string, text: string): DocumentsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StorageError(path, `documents file is not valid JSON (${(error as Error).message})`, {
      code: "MISMATCH",
      cause: error,
    });
  }
  const parsed = documentsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StorageError(dir, `documents file is malformed at ${issue?.path.join(".")}: ${issue?.message}`, {
      code: "MISMATCH",
    });
  }
  return parsed.data;
}

function checkDocuments(dir: string, manifest: StoreManifest, file: DocumentsFile): void {
  const fail = (message: string) =>
    new StorageError(dir, `index and documents disagree: ${message}`, { code: "MISMATCH" });
  const { counts } = manifest;
  if (file.documents.length !== counts.documents)
    throw fail(`${file.documents.length} documents, manifest says ${counts.documents}`);
  if (counts.documents + counts.deleted !== counts.indexElements) {
    throw fail(
      `${counts.documents} documents + ${counts.deleted} deleted slots != ${counts.indexElements} index elements`,
    );
  }
  const labels = new Set<number>();
  const ids = new Set<string>();
  for (const doc of file.documents) {
    if (labels.has(doc.label)) throw fail(`label ${doc.label} is used twice`);
    if (ids.has(doc.id)) throw fail(`id "${doc.id}" is used twice`);
    if (doc.label >= file.nextLabel) throw fail(`label ${doc.label} is beyond nextLabel ${file.nextLabel}`);
    labels.add(doc.label);
    ids.add(doc.id);
  }
}
