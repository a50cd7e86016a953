import { createHash } from "node:crypto";
import { cp, readdir, readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Document } from "@langchain/core/documents";
import { mulberry32, StorageError } from "@lanpo/core";
import test from "ava";
import { HnswLessonStore } from "../../memory/src/store/hnsw-lesson-store.ts";
import { readStoreFolder } from "../../memory/src/store/read-store-folder.ts";
import { TableEmbeddings, tempDir } from "./hnsw-store-helpers.ts";

// An automatic layout that chose the direct graph saves no vectors file (format 3): the index
// file holds the same unit vectors; load checks them (present, finite) in the pass that checks
// the file's checksum, and the store takes the rows from its graph only when first needed.
// Damage to that file is still refused with the reason before anything is built.

const dims = 64;
const noEmbeddings = () => new TableEmbeddings(1);

/** Isotropic points around 4 centres: the automatic layout keeps them direct. */
function isotropic(count: number, seed: number): number[][] {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: 4 }, () => Array.from({ length: dims }, () => 3 * gauss()));
  return Array.from({ length: count }, () => (centres[Math.floor(rand() * 4)] as number[]).map((c) => c + gauss()));
}

const vectors = isotropic(8400, 7);
let saved: Promise<{ store: HnswLessonStore; dir: string }> | undefined;

/** One direct store, built and saved once for every test here (each test copies the folder). */
function savedDirect() {
  saved ??= (async () => {
    const store = new HnswLessonStore(noEmbeddings());
    for (let at = 0; at < vectors.length; at += 600) {
      const batch = vectors.slice(at, at + 600);
      await store.addVectors(
        batch,
        batch.map((_, i) => new Document({ pageContent: `p${at + i}`, id: String(at + i) })),
      );
    }
    await store.delete({ ids: ["3", "4000"] });
    const dir = await tempDir();
    await store.save(dir);
    return { store, dir };
  })();
  return saved;
}

async function copyOfSave() {
  const { dir } = await savedDirect();
  const copy = await tempDir();
  await cp(dir, copy, { recursive: true });
  const manifest = JSON.parse(await readFile(join(copy, "manifest.json"), "utf8"));
  return { dir: copy, manifest };
}

async function loadError(dir: string): Promise<StorageError> {
  const error = await HnswLessonStore.load(dir, noEmbeddings()).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!StorageError.isInstance(error)) throw new Error(`expected a StorageError, got ${String(error)}`);
  return error;
}

test("a direct graph saves no vectors file, and loads with the same answers and exact scores", async (t) => {
  const { store, dir } = await savedDirect();
  t.like(store.projection, { auto: true, decision: "direct" });
  const names = (await readdir(dir)).map((f) => f.replace(/-[a-z0-9]+-[0-9a-f]{8}/, "-TAG")).sort();
  // The recall check sample of the last calibration comes with it (see hnsw-store-check-sample.test.ts).
  t.deepEqual(names, ["check-TAG.bin", "documents-TAG.json", "index-TAG.hnsw", "manifest.json"]);
  const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  t.like(manifest, { formatVersion: 3, projection: { decision: "direct", energy: null } });
  t.false("vectors" in manifest.files && manifest.files.vectors !== null);
  const inspected = await readStoreFolder(dir);
  t.is(inspected.manifest.formatVersion, 3);
  t.deepEqual(inspected.bytes, {}, "checked, not kept");
  const loaded = await HnswLessonStore.load(dir, noEmbeddings());
  t.is(loaded.size, vectors.length - 2);
  const { afterLoad, check, ...calibration } = loaded.calibration ?? {};
  t.deepEqual(calibration, store.calibration, "the saved calibration stands");
  t.like(afterLoad, { action: "kept", efSearch: loaded.efSearch, documents: loaded.size });
  t.deepEqual(
    check && { ...check },
    afterLoad && { ...check, recall: afterLoad.recall },
    "the same index measures the same",
  );
  for (const query of isotropic(5, 99)) {
    t.deepEqual(
      await loaded.similaritySearchVectorWithScore(query, 5),
      await store.similaritySearchVectorWithScore(query, 5),
    );
    // MMR reads the kept exact vectors: the rows came out of the index file right.
    t.deepEqual(
      (await loaded.maxMarginalRelevanceSearchByVector(query, { k: 4, fetchK: 12 })).map((d) => d.id),
      (await store.maxMarginalRelevanceSearchByVector(query, { k: 4, fetchK: 12 })).map((d) => d.id),
    );
  }
  const [self] = await loaded.similaritySearchVectorWithScore(vectors[10] as number[], 1);
  t.is(self?.[0].id, "10");
  t.true((self?.[1] ?? 0) > 0.99999);
  t.is(loaded.getDocument("3"), undefined);
  // It goes on: adds, and saves again as format 3.
  await loaded.addVectors(
    isotropic(10, 5),
    Array.from({ length: 10 }, (_, i) => new Document({ pageContent: "", id: `n${i}` })),
  );
  const again = await tempDir();
  await loaded.save(again);
  t.is(JSON.parse(await readFile(join(again, "manifest.json"), "utf8")).formatVersion, 3);
  t.is((await HnswLessonStore.load(again, noEmbeddings())).size, vectors.length + 8);
});

test("a damaged index file of a direct save is refused with the reason", async (t) => {
  const flipped = await copyOfSave();
  const indexPath = join(flipped.dir, flipped.manifest.files.index.name);
  const bytes = await readFile(indexPath);
  bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff;
  await writeFile(indexPath, bytes);
  t.is((await loadError(flipped.dir)).code, "CHECKSUM");
  // What `lanpo memory inspect` reads (checksums only, nothing kept in memory) refuses it too.
  const inspected = await readStoreFolder(flipped.dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.is((inspected as StorageError).code, "CHECKSUM");

  const short = await copyOfSave();
  await truncate(join(short.dir, short.manifest.files.index.name), 1000);
  t.is((await loadError(short.dir)).code, "TRUNCATED");

  // A vector turned NaN, its checksum redone: caught when the rows are taken out.
  const vandal = await copyOfSave();
  const path = join(vandal.dir, vandal.manifest.files.index.name);
  const file = await readFile(path);
  const recordBytes = Number(file.readBigUInt64LE(24));
  const dataOffset = Number(file.readBigUInt64LE(40));
  file.writeFloatLE(Number.NaN, 96 + 2 * recordBytes + dataOffset + 8);
  await writeFile(path, file);
  vandal.manifest.files.index.sha256 = createHash("sha256").update(file).digest("hex");
  await writeFile(join(vandal.dir, "manifest.json"), JSON.stringify(vandal.manifest));
  const nan = await loadError(vandal.dir);
  t.is(nan.code, "MISMATCH");
  t.regex(nan.message, /NaN/);
});

test("only format 3 with the direct decision may leave out the vectors file", async (t) => {
  const { dir, manifest } = await copyOfSave();
  const write = (m: object) => writeFile(join(dir, "manifest.json"), JSON.stringify(m));
  await write({ ...manifest, formatVersion: 2 });
  const older = await loadError(dir);
  t.is(older.code, "MISMATCH");
  t.regex(older.message, /names no vectors file/);
  await write({ ...manifest, projection: { ...manifest.projection, decision: "pending" } });
  t.regex((await loadError(dir)).message, /names no vectors file/);
  await write({ ...manifest, formatVersion: 4 });
  t.is((await loadError(dir)).code, "VERSION");
  await write(manifest);
  t.is((await HnswLessonStore.load(dir, noEmbeddings())).size, vectors.length - 2);
});

test("a reopened direct graph takes its exact rows from the graph when first needed, adds and deletes included", async (t) => {
  const { store } = await savedDirect();
  const { dir } = await copyOfSave();
  const loaded = await HnswLessonStore.load(dir, noEmbeddings());
  // Before any rows: adds, an update and a delete go to the graph alone.
  const fresh = isotropic(30, 8);
  await loaded.addVectors(
    fresh,
    fresh.map((_, i) => new Document({ pageContent: "", id: `f${i}` })),
  );
  await loaded.addVectors([fresh[0] as number[]], [new Document({ pageContent: "", id: "5" })]);
  await loaded.delete({ ids: ["f1"] });
  // A full calibration reads every vector: the rows are taken all at once (a temporary file).
  const calibration = loaded.calibrateEfSearch({ sampleSize: 8, random: mulberry32(3) });
  t.true(calibration.recall > 0.5);
  // The rows match what was stored: MMR over the old, the updated and the new vectors.
  const query = fresh[2] as number[];
  const mmr = await loaded.maxMarginalRelevanceSearchByVector(query, { k: 4, fetchK: 12 });
  t.is(mmr[0]?.id, "f2");
  const [updated] = await loaded.maxMarginalRelevanceSearchByVector(fresh[0] as number[], {
    k: 1,
    fetchK: 4,
    lambda: 1,
  });
  t.true(updated?.id === "5" || updated?.id === "f0", "the updated vector is the new one");
  const before = await store.similaritySearchVectorWithScore(vectors[100] as number[], 3);
  const after = await loaded.similaritySearchVectorWithScore(vectors[100] as number[], 3);
  t.deepEqual(
    after.map(([doc]) => doc.id),
    before.map(([doc]) => doc.id),
  );
  // Filtered exact scans and a second save work from the rows.
  const filtered = await loaded.similaritySearchVectorWithScore(query, 2, (doc) => doc.id?.startsWith("f") ?? false);
  t.is(filtered[0]?.[0].id, "f2");
  t.false(filtered.some(([doc]) => doc.id === "f1"));
  const again = await tempDir();
  await loaded.save(again);
  t.is((await HnswLessonStore.load(again, noEmbeddings())).size, vectors.length - 2 + 29);
});
