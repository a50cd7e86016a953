import { cp, mkdir, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Document } from "@langchain/core/documents";
import { StorageError } from "@lanpo/core";
import test from "ava";
import type { SaveStep } from "../../memory/src/store/atomic-folder.ts";
import { HnswLessonStore } from "../../memory/src/store/hnsw-lesson-store.ts";
import { killWriterMidSave, randomVectors, TableEmbeddings, tempDir } from "./hnsw-store-helpers.ts";

const dims = 8;
const embeddings = new TableEmbeddings(dims);

async function filledStore(count = 50, options: Partial<{ M: number; efConstruction: number; efSearch: number }> = {}) {
  const store = new HnswLessonStore(embeddings, { numDimensions: dims, ...options });
  const vectors = randomVectors(count, dims, 21);
  await store.addVectors(
    vectors,
    vectors.map((_, i) => new Document({ pageContent: `doc ${i}`, id: `id${i}`, metadata: { i, tags: ["x"] } })),
  );
  return { store, vectors };
}

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

async function loadError(dir: string, options?: { numDimensions?: number }): Promise<StorageError> {
  try {
    await HnswLessonStore.load(dir, embeddings, options);
  } catch (error) {
    if (StorageError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("load succeeded");
}

test("save and load round-trip documents, ids, metadata, parameters and search results", async (t) => {
  const { store, vectors } = await filledStore(60, { M: 8, efConstruction: 40, efSearch: 33 });
  await store.delete({ ids: ["id3", "id4"] });
  const dir = await tempDir();
  await store.save(dir);
  t.deepEqual(
    (await files(dir)).map((f) => f.replace(/-[a-z0-9]+-[0-9a-f]{8}/, "-TAG")),
    ["documents-TAG.json", "index-TAG.hnsw", "manifest.json"],
  );
  const loaded = await HnswLessonStore.load(dir, embeddings);
  t.deepEqual(loaded.indexParameters, { M: 8, efConstruction: 40, efSearch: 33 });
  t.is(loaded.size, 58);
  t.deepEqual(loaded.getDocument("id7")?.metadata, { i: 7, tags: ["x"] });
  t.is(loaded.getDocument("id3"), undefined);
  const query = vectors[10]!;
  t.deepEqual(
    await loaded.similaritySearchVectorWithScore(query, 5),
    await store.similaritySearchVectorWithScore(query, 5),
  );
  // Adding after a load reuses the deleted slots and keeps going.
  const capacity = loaded.capacity;
  await loaded.addVectors(randomVectors(2, dims, 5), [
    new Document({ pageContent: "n1" }),
    new Document({ pageContent: "n2" }),
  ]);
  t.is(loaded.capacity, capacity);
  t.is(loaded.size, 60);
  const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  t.like(manifest, {
    formatVersion: 1,
    space: "cosine",
    numDimensions: dims,
    counts: { documents: 58, deleted: 2, indexElements: 60 },
  });
});

test("a second save replaces the first and removes its files", async (t) => {
  const { store } = await filledStore(10);
  const dir = await tempDir();
  await store.save(dir);
  await store.addVectors(randomVectors(1, dims, 9), [new Document({ pageContent: "more" })]);
  await store.save(dir);
  t.is((await files(dir)).length, 3);
  t.is((await HnswLessonStore.load(dir, embeddings)).size, 11);
});

test("an empty store saves and loads, and the loaded store accepts adds", async (t) => {
  const store = new HnswLessonStore(embeddings, { numDimensions: dims, efSearch: 12 });
  const dir = await tempDir();
  await store.save(dir);
  const loaded = await HnswLessonStore.load(dir, embeddings);
  t.is(loaded.size, 0);
  t.is(loaded.efSearch, 12);
  t.deepEqual(await loaded.similaritySearch("x", 3), []);
  await loaded.addDocuments([new Document({ pageContent: "x", id: "x" })]);
  t.is((await loaded.similaritySearch("x", 3))[0]?.id, "x");
});

test("a crash at any step of a save leaves the last good copy loadable", async (t) => {
  const steps: SaveStep[] = ["files-written", "files-renamed", "manifest-written"];
  for (const step of steps) {
    const { store } = await filledStore(20);
    const dir = await tempDir();
    await store.save(dir);
    await store.addVectors(
      randomVectors(5, dims, 3),
      Array.from({ length: 5 }, (_, i) => new Document({ pageContent: `new ${i}` })),
    );
    store.onSaveStep = (current) => {
      if (current === step) throw new Error(`simulated crash after ${step}`);
    };
    await t.throwsAsync(store.save(dir), { message: /simulated crash/ });
    const loaded = await HnswLessonStore.load(dir, embeddings);
    t.is(loaded.size, 20, `crash after ${step}: the previous save is what loads`);
    store.onSaveStep = undefined;
    await store.save(dir);
    t.is((await HnswLessonStore.load(dir, embeddings)).size, 25);
    t.is((await files(dir)).length, 3, "leftovers of the failed save are cleaned up");
  }
});

test("a process killed mid-save never leaves a folder that fails to load", async (t) => {
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = await tempDir();
    // Kill at a different point of the next save each attempt.
    const saved = await killWriterMidSave(dir, [], 2, attempt * 7);
    t.true(saved.length >= 2);
    const loaded = await HnswLessonStore.load(dir, new TableEmbeddings(64));
    t.true(loaded.size >= (saved.at(-1) ?? 0), `loaded ${loaded.size}, last reported save ${saved.at(-1)}`);
    t.is(loaded.size % 500, 0, "a whole save, never a torn one");
  }
});

test("saves queued while adds go on each write a consistent snapshot", async (t) => {
  const { store } = await filledStore(10);
  const dir = await tempDir();
  const work = [store.save(dir)];
  for (let i = 0; i < 10; i++) {
    work.push(store.addDocuments([new Document({ pageContent: `c${i}` })]).then(() => undefined));
    work.push(store.save(dir));
  }
  await Promise.all(work);
  await store.save(dir);
  t.is((await HnswLessonStore.load(dir, embeddings)).size, 20);
});

test("a missing folder, or one with no manifest, is a StorageError saying so", async (t) => {
  const dir = await tempDir();
  t.is((await loadError(join(dir, "nope"))).code, "ENOENT");
  t.is((await loadError(dir)).code, "MANIFEST");
  await writeFile(join(dir, "args.json"), JSON.stringify({ space: "l2", numDimensions: 8 }));
  const langchain = await loadError(dir);
  t.is(langchain.code, "MANIFEST");
  t.regex(langchain.message, /LangChain HNSWLib.*hnswlib\.index/);
  await writeFile(join(dir, "hnswlib.index"), "x");
  const broken = await loadError(dir);
  t.is(broken.code, "HNSWLIB", "an HNSWLib folder is read as one, and its damage named");
  await rm(join(dir, "args.json"));
  await rm(join(dir, "hnswlib.index"));
  await writeFile(join(dir, "manifest.json"), "{ not json");
  t.is((await loadError(dir)).code, "MANIFEST");
  await writeFile(join(dir, "manifest.json"), JSON.stringify({ format: "something else" }));
  t.is((await loadError(dir)).code, "MANIFEST");
});

// biome-ignore lint/suspicious/noExplicitAny: tests rewrite arbitrary manifest fields
type Json = any;

async function savedCopy(): Promise<{ dir: string; index: string; documents: string; manifest: Json }> {
  const { store } = await filledStore(30);
  const dir = await tempDir();
  await store.save(dir);
  const names = await files(dir);
  const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  return {
    dir,
    index: join(dir, names.find((n) => n.endsWith(".hnsw"))!),
    documents: join(dir, names.find((n) => n.startsWith("documents"))!),
    manifest,
  };
}

test("a truncated or missing index or documents file is found before hnswlib reads it", async (t) => {
  const a = await savedCopy();
  await truncate(a.index, (await stat(a.index)).size - 100);
  const truncated = await loadError(a.dir);
  t.is(truncated.code, "TRUNCATED");
  t.regex(truncated.message, /bytes/);
  const b = await savedCopy();
  await rm(b.documents);
  t.is((await loadError(b.dir)).code, "TRUNCATED");
  const c = await savedCopy();
  await truncate(c.index, 10);
  t.is((await loadError(c.dir)).code, "TRUNCATED");
});

test("a corrupted byte is caught by the checksum", async (t) => {
  const { dir, index } = await savedCopy();
  const bytes = await readFile(index);
  bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0xff;
  await writeFile(index, bytes);
  t.is((await loadError(dir)).code, "CHECKSUM");
});

test("a folder from another space, another dimension or a newer format is refused with the reason", async (t) => {
  const { dir, manifest } = await savedCopy();
  const write = (m: object) => writeFile(join(dir, "manifest.json"), JSON.stringify(m));
  await write({ ...manifest, space: "l2" });
  const space = await loadError(dir);
  t.is(space.code, "SPACE");
  t.regex(space.message, /"l2"/);
  await write({ ...manifest, formatVersion: 99 });
  t.is((await loadError(dir)).code, "VERSION");
  await write(manifest);
  const dimension = await loadError(dir, { numDimensions: 512 });
  t.is(dimension.code, "DIMENSIONS");
  t.regex(dimension.message, /8-dimensional.*512/);
  // A manifest claiming another dimension than the index file holds.
  await write({ ...manifest, numDimensions: 16 });
  const header = await loadError(dir);
  t.is(header.code, "MISMATCH");
  t.regex(header.message, /dimensions 8.*16/);
  await write(manifest);
  t.is((await HnswLessonStore.load(dir, embeddings)).size, 30, "the untouched folder still loads");
});

test("an index and documents file from different saves are refused", async (t) => {
  const small = await savedCopy();
  const { store } = await filledStore(31);
  const other = await tempDir();
  await store.save(other);
  const otherIndex = (await files(other)).find((n) => n.endsWith(".hnsw"))!;
  // Swap in the other index and fix up its size and checksum so only the agreement checks remain.
  await cp(join(other, otherIndex), small.index);
  const otherManifest = JSON.parse(await readFile(join(other, "manifest.json"), "utf8"));
  await writeFile(
    join(small.dir, "manifest.json"),
    JSON.stringify({
      ...small.manifest,
      files: {
        ...small.manifest.files,
        index: { ...otherManifest.files.index, name: small.manifest.files.index.name },
      },
    }),
  );
  const error = await loadError(small.dir);
  t.is(error.code, "MISMATCH");
  t.regex(error.message, /element count 31.*30/);
  // Documents that do not match the counts.
  const again = await savedCopy();
  const docs = JSON.parse(await readFile(again.documents, "utf8"));
  docs.documents.pop();
  const text = JSON.stringify(docs);
  await writeFile(again.documents, text);
  const { createHash } = await import("node:crypto");
  await writeFile(
    join(again.dir, "manifest.json"),
    JSON.stringify({
      ...again.manifest,
      files: {
        ...again.manifest.files,
        documents: {
          ...again.manifest.files.documents,
          bytes: Buffer.byteLength(text),
          sha256: createHash("sha256").update(text).digest("hex"),
        },
      },
    }),
  );
  const mismatch = await loadError(again.dir);
  t.is(mismatch.code, "MISMATCH");
  t.regex(mismatch.message, /29 documents, manifest says 30/);
});

test("save into a path that cannot be a folder is a StorageError", async (t) => {
  const dir = await tempDir();
  await mkdir(join(dir, "sub"));
  await writeFile(join(dir, "file"), "x");
  const { store } = await filledStore(3);
  const error = await t.throwsAsync(store.save(join(dir, "file", "inside")));
  t.true(StorageError.isInstance(error));
});
