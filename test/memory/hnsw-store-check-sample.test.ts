import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Document } from "@langchain/core/documents";
import { mulberry32, StorageError } from "@lanpo/core";
import test from "ava";
import { HnswLessonStore } from "../../memory/src/store/hnsw-lesson-store.ts";
import { RecallCheckSample } from "../../memory/src/store/recall-check-sample.ts";
import { cosine, TableEmbeddings, tempDir } from "./hnsw-store-helpers.ts";

// After load the store MEASURES its recall (issue 12: "calibration after load included") on the
// check sample its last calibration left in the folder: made-up held-out queries with their exact
// top kept up to date, so the measurement is a few dozen searches, not an exact pass.

const noEmbeddings = () => new TableEmbeddings(1);
const docs = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => new Document({ pageContent: "", id: String(from + i) }));

function clustered(count: number, dims: number, seed: number): number[][] {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: 12 }, () => Array.from({ length: dims }, () => 3 * gauss()));
  return Array.from({ length: count }, () =>
    (centres[Math.floor(rand() * centres.length)] as number[]).map((c) => c + gauss()),
  );
}

async function build(store: HnswLessonStore, vectors: number[][], from = 0): Promise<void> {
  for (let at = 0; at < vectors.length; at += 500) {
    await store.addVectors(vectors.slice(at, at + 500), docs(from + at, Math.min(500, vectors.length - at)));
  }
}

async function saved(count = 2100): Promise<{ dir: string; store: HnswLessonStore; vectors: number[][] }> {
  const dir = await tempDir();
  const vectors = clustered(count, 16, 11);
  const store = new HnswLessonStore(noEmbeddings(), { M: 8, efConstruction: 16 });
  await build(store, vectors);
  await store.save(dir);
  return { dir, store, vectors };
}

async function checkFile(dir: string): Promise<string> {
  const name = (await readdir(dir)).find((file) => file.startsWith("check-"));
  if (!name) throw new Error("no check sample file");
  return join(dir, name);
}

async function loadError(dir: string): Promise<StorageError> {
  const error = await HnswLessonStore.load(dir, noEmbeddings()).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!StorageError.isInstance(error)) throw new Error(`expected a StorageError, got ${String(error)}`);
  return error;
}

test("a save keeps the check sample with its recall; load measures it and shows what it did", async (t) => {
  const { dir, store } = await saved();
  const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  t.truthy(manifest.files.check, "named in the manifest, with its size and checksum");
  t.like(manifest.calibration.check, { efSearch: store.efSearch, documents: 2100 });
  t.true(manifest.calibration.check.sampleSize >= 16);
  const loaded = await HnswLessonStore.load(dir, noEmbeddings());
  const after = loaded.calibration?.afterLoad;
  t.truthy(after);
  t.is(after?.documents, 2100);
  t.is(after?.efSearch, loaded.efSearch);
  t.true(after?.action === "kept" || after?.action === "retuned");
  // The check confirms the target (0.95) and keeps the calibration; below it, load re-tunes to the aim (0.97).
  if (after?.action === "kept")
    t.true((after?.recall ?? 0) >= 0.95, "the loaded index reaches the target on the sample");
  else t.true((after?.recall ?? 0) >= 0.97, "the re-tuned index reaches the aim on the sample");
  t.is(after?.sampleSize, manifest.calibration.check.sampleSize);
});

test("the check sample's truth is the exact top of the whole current index, after adds, updates and deletes", async (t) => {
  const dir = await tempDir();
  const vectors = clustered(2600, 16, 12);
  const store = new HnswLessonStore(noEmbeddings(), { M: 8, efConstruction: 16 });
  await build(store, vectors.slice(0, 2100));
  const calibrated = store.calibration?.documents;
  await build(store, vectors.slice(2100), 2100);
  t.is(store.calibration?.documents, calibrated, "no calibration since: the sample was kept up to date");
  // Updates and deletes of vectors likely in the sample's lists.
  const current = new Map(vectors.map((v, i) => [String(i), v]));
  const moved = clustered(40, 16, 13);
  await store.addVectors(
    moved,
    moved.map((_, i) => new Document({ pageContent: "", id: String(i * 3) })),
  );
  for (const [i, v] of moved.entries()) current.set(String(i * 3), v);
  const gone = Array.from({ length: 60 }, (_, i) => String(i * 7 + 1));
  await store.delete({ ids: gone });
  for (const id of gone) current.delete(id);
  await store.save(dir);
  const bytes = await readFile(await checkFile(dir));
  const labels = new Set(store.ids().map(Number));
  const sample = RecallCheckSample.fromBytes("check", bytes, 16, labels);
  t.true(sample.valid);
  // Labels are slots, not ids (held-back vectors go in last): the documents file maps them.
  const documentsName = (await readdir(dir)).find((name) => name.startsWith("documents-")) as string;
  const { documents } = JSON.parse(await readFile(join(dir, documentsName), "utf8")) as {
    documents: { label: number; id: string }[];
  };
  const idOf = new Map(documents.map((doc) => [doc.label, doc.id]));
  for (const { query, labels: top, scores } of sample.entries()) {
    const q = Array.from(query);
    const exact = [...current.entries()]
      .map(([id, v]) => ({ id, score: cosine(v, q) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, top.length);
    t.true(top.length >= 10, "still k deep");
    t.deepEqual(
      top.map((label) => idOf.get(label)),
      exact.map((e) => e.id),
      "the same documents, in the same order",
    );
    for (const [i, score] of scores.entries()) t.true(Math.abs(score - (exact[i]?.score as number)) < 1e-5);
  }
});

test("a load for another recall target re-tunes efSearch on the saved sample, without a full calibration", async (t) => {
  const { dir, store } = await saved();
  const loose = await HnswLessonStore.load(dir, noEmbeddings(), { recallTarget: { recall: 0.8 } });
  t.like(loose.calibration, { targetRecall: 0.82, documents: 2100, newVectors: 0 });
  t.like(loose.calibration?.afterLoad, { action: "retuned", efSearch: loose.efSearch });
  t.true(loose.efSearch <= store.efSearch, "a lower aim needs no more effort");
  t.true((loose.calibration?.recall ?? 0) >= 0.82);
  const strict = await HnswLessonStore.load(dir, noEmbeddings(), { recallTarget: { recall: 0.98 } });
  t.like(strict.calibration?.afterLoad, { action: "retuned" });
  t.true(strict.efSearch >= store.efSearch, "never below what real new vectors chose for a lower aim");
  const otherK = await HnswLessonStore.load(dir, noEmbeddings(), { recallTarget: { k: 5 } });
  t.like(otherK.calibration, { k: 5, afterLoad: { action: "recalibrated" } });
});

test("a folder saved before check samples loads with a full calibration, and its next save has one", async (t) => {
  const { dir } = await saved();
  const manifestPath = join(dir, "manifest.json");
  const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
  await rm(await checkFile(dir));
  delete manifest.files.check;
  delete manifest.calibration.check;
  await writeFile(manifestPath, JSON.stringify(manifest));
  const loaded = await HnswLessonStore.load(dir, noEmbeddings());
  t.like(loaded.calibration, { documents: 2100, afterLoad: { action: "recalibrated" } });
  t.true(loaded.calibration?.reached);
  await loaded.save(dir);
  t.truthy(JSON.parse(await readFile(manifestPath, "utf8")).files.check);
});

test("a check sample file that is missing, truncated or corrupt is refused like any file of the save", async (t) => {
  const { dir } = await saved();
  const path = await checkFile(dir);
  const bytes = await readFile(path);
  await writeFile(path, bytes.subarray(0, bytes.length - 4));
  t.is((await loadError(dir)).code, "TRUNCATED");
  const flipped = Buffer.from(bytes);
  flipped[100] = (flipped[100] as number) ^ 0xff;
  await writeFile(path, flipped);
  t.is((await loadError(dir)).code, "CHECKSUM");
  await rm(path);
  const missing = await loadError(dir);
  t.is(missing.code, "TRUNCATED");
  t.regex(missing.message, /check-.*\.bin.*missing/);
});

test("a check sample of another store is refused even with a matching checksum", (t) => {
  const queries = clustered(10, 8, 14);
  const truth = queries.map(() => ({ labels: [1, 2, 3, 4], scores: [0.9, 0.8, 0.7, 0.6] }));
  const bytes = RecallCheckSample.create(queries, truth, 2).toBytes();
  const error = t.throws(() => RecallCheckSample.fromBytes("check", bytes, 8, new Set([1, 2, 3])));
  t.true(StorageError.isInstance(error));
  t.regex(error?.message ?? "", /label 4, which no document holds/);
  t.throws(() => RecallCheckSample.fromBytes("check", bytes, 16, new Set([1, 2, 3, 4])), {
    message: /8 dimensions, the store 16/,
  });
  t.throws(() => RecallCheckSample.fromBytes("check", bytes.subarray(0, 40), 8, new Set([1, 2, 3, 4])), {
    message: /bytes/,
  });
  const back = RecallCheckSample.fromBytes("check", bytes, 8, new Set([1, 2, 3, 4]));
  t.deepEqual(
    back.entries().map((entry) => [...entry.labels]),
    truth.map((top) => top.labels),
  );
});

test("deletes that empty the lists make the sample stale (load then runs a full calibration)", (t) => {
  const queries = clustered(10, 8, 15);
  const truth = queries.map(() => ({ labels: [1, 2, 3], scores: [0.9, 0.8, 0.7] }));
  const sample = RecallCheckSample.create(queries, truth, 2);
  t.true(sample.valid);
  sample.forget(1);
  t.is(sample.usable, 10, "two left of each list: still k deep");
  sample.forget(2);
  t.is(sample.usable, 0);
  t.false(sample.valid);
});

test("a sample emptied by deletes is not saved, and no recall of one is claimed", async (t) => {
  const { dir } = await saved();
  const names = await readdir(dir);
  const documentsName = names.find((name) => name.startsWith("documents-")) as string;
  const { documents } = JSON.parse(await readFile(join(dir, documentsName), "utf8")) as {
    documents: { label: number; id: string }[];
  };
  const idOf = new Map(documents.map((doc) => [doc.label, doc.id]));
  const sample = RecallCheckSample.fromBytes("check", await readFile(await checkFile(dir)), 16, new Set(idOf.keys()));
  const loaded = await HnswLessonStore.load(dir, noEmbeddings());
  t.truthy(loaded.calibration?.check, "the loaded record carries the saved check");
  const listed = new Set(sample.entries().flatMap((entry) => entry.labels.map((label) => idOf.get(label) as string)));
  await loaded.delete({ ids: [...listed] });
  const again = await tempDir();
  await loaded.save(again);
  const manifest = JSON.parse(await readFile(join(again, "manifest.json"), "utf8"));
  t.falsy(manifest.files.check);
  t.falsy(manifest.calibration.check);
  t.false((await readdir(again)).some((name) => name.startsWith("check-")));
  // The next load has no sample, and the store shrank below 2,048 documents: nothing to calibrate.
  const reopened = await HnswLessonStore.load(again, noEmbeddings());
  t.true(reopened.size < 2048);
  t.is(reopened.calibration, null);
});
