import { existsSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Document, type DocumentInterface } from "@langchain/core/documents";
import { StorageError } from "@lanpo/core";
import { z } from "zod";
import { hnswlib } from "./hnswlib-binding.js";
import { MANIFEST_FILE } from "./store-manifest.js";

/** The three files LangChain's `HNSWLib.save(dir)` writes. */
export const HNSWLIB_FILES = { index: "hnswlib.index", args: "args.json", docstore: "docstore.json" } as const;

const argsSchema = z.object({
  space: z.enum(["l2", "ip", "cosine"]),
  numDimensions: z.number().int().positive(),
});

const docstoreSchema = z.array(
  z.tuple([
    z.string(),
    z.object({
      pageContent: z.string(),
      metadata: z.record(z.string(), z.unknown()).optional(),
      id: z.string().optional(),
    }),
  ]),
);

/** What a LangChain HNSWLib folder holds: its documents with their vectors, by docstore order. */
export interface HnswlibFolder {
  space: "l2" | "ip" | "cosine";
  numDimensions: number;
  vectors: number[][];
  documents: DocumentInterface[];
}

/** Whether `dir` is a folder saved by LangChain's `HNSWLib` (and not by this store). */
export function isHnswlibFolder(dir: string): boolean {
  return (
    !existsSync(join(dir, MANIFEST_FILE)) &&
    existsSync(join(dir, HNSWLIB_FILES.args)) &&
    existsSync(join(dir, HNSWLIB_FILES.index))
  );
}

/**
 * Reads a folder saved by LangChain's `HNSWLib` (`args.json`, `docstore.json`, `hnswlib.index`),
 * so that `HnswLessonStore.load` opens it as HNSWLib.load did. The docstore's keys are hnswlib
 * labels; each document's vector is read back from the index (hnswlib keeps cosine vectors
 * normalised, and l2 / ip vectors as they were). Throws `StorageError` (code `HNSWLIB`) naming
 * the file that is missing or malformed.
 */
export async function readHnswlibFolder(dir: string): Promise<HnswlibFolder> {
  const fail = (file: string, message: string, cause?: unknown) =>
    new StorageError(join(dir, file), `LangChain HNSWLib folder: ${message}`, { code: "HNSWLIB", cause });
  const json = async (file: string) => {
    const text = await readFile(join(dir, file), "utf8").catch((error: unknown) => {
      throw fail(file, `cannot read it (${(error as Error).message})`, error);
    });
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw fail(file, "not valid JSON", error);
    }
  };
  const args = argsSchema.safeParse(await json(HNSWLIB_FILES.args));
  if (!args.success) throw fail(HNSWLIB_FILES.args, `unexpected content (${args.error.issues[0]?.message})`);
  const docstore = docstoreSchema.safeParse(await json(HNSWLIB_FILES.docstore));
  if (!docstore.success) {
    throw fail(HNSWLIB_FILES.docstore, `unexpected content (${docstore.error.issues[0]?.message})`);
  }
  const { space, numDimensions } = args.data;
  await checkHeader(join(dir, HNSWLIB_FILES.index), numDimensions, (message) => fail(HNSWLIB_FILES.index, message));
  const index = new (hnswlib().HierarchicalNSW)(space, numDimensions);
  try {
    index.readIndexSync(join(dir, HNSWLIB_FILES.index));
  } catch (error) {
    throw fail(HNSWLIB_FILES.index, `hnswlib cannot read it (${(error as Error).message})`, error);
  }
  const present = new Set(index.getIdsList());
  const vectors: number[][] = [];
  const documents: DocumentInterface[] = [];
  for (const [key, stored] of docstore.data) {
    const label = Number(key);
    if (!Number.isInteger(label) || !present.has(label)) {
      throw fail(HNSWLIB_FILES.docstore, `document "${key}" has no vector in ${HNSWLIB_FILES.index}`);
    }
    vectors.push(index.getPoint(label));
    documents.push(
      new Document({
        pageContent: stored.pageContent,
        metadata: stored.metadata ?? {},
        ...(stored.id !== undefined ? { id: stored.id } : {}),
      }),
    );
  }
  return { space, numDimensions, vectors, documents };
}

/** hnswlib's saveIndex header: 13 fields of 8 bytes but two of 4 (maxlevel, enterpoint). */
const HEADER_BYTES = 96;

/**
 * Checks the index file's header before hnswlib reads it (hnswlib trusts the file: a damaged one
 * can make it allocate without bound): the vector size must match args.json, and the file must
 * hold the level-0 data of every element it declares.
 */
async function checkHeader(path: string, numDimensions: number, fail: (message: string) => Error): Promise<void> {
  const handle = await open(path, "r").catch((error: unknown) => {
    throw fail(`cannot open it (${(error as Error).message})`);
  });
  const header = Buffer.alloc(HEADER_BYTES);
  let size: number;
  try {
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
    size = (await handle.stat()).size;
    if (bytesRead < HEADER_BYTES) throw fail("shorter than an hnswlib index header; the file is damaged");
  } finally {
    await handle.close();
  }
  const u64 = (offset: number) => Number(header.readBigUInt64LE(offset));
  const maxElements = u64(8);
  const count = u64(16);
  const perElement = u64(24);
  const dimensions = (u64(32) - u64(40)) / 4; // label offset - data offset: the vector bytes
  if (count > maxElements || perElement <= 0 || HEADER_BYTES + maxElements * perElement > size) {
    throw fail("its header does not match its size; the file is damaged");
  }
  if (dimensions !== numDimensions) {
    throw fail(`holds ${dimensions}-dimensional vectors, args.json says ${numDimensions}`);
  }
}
