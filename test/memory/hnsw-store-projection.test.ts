import { createHash } from "node:crypto";
import { readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Document } from "@langchain/core/documents";
import { ConfigError, mulberry32, StorageError } from "@lanpo/core";
import test from "ava";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { HnswLessonStore } from "../../memory/src/store/hnsw-lesson-store.ts";
import { PcaProjection } from "../../memory/src/store/pca-projection.ts";
import { cosine, killWriterMidSave, TableEmbeddings, tempDir } from "./hnsw-store-helpers.ts";

const dims = 24;
const embeddings = new TableEmbeddings(dims);
const projection = { dimensions: 6, fitAfter: 60 };

/** Clustered vectors whose energy sits mostly in the first few coordinates, like sentence embeddings. */
function clustered(count: number, seed: number): number[][] {
  const next = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
  const scale = Array.from({ length: dims }, (_, j) => 1 / (1 + j) ** 1.5);
  const centres = Array.from({ length: 8 }, () => scale.map((s) => s * gauss()));
  return Array.from({ length: count }, () => {
    const centre = centres[Math.floor(next() * centres.length)]!;
    return centre.map((c, j) => c + 0.3 * scale[j]! * gauss());
  });
}

const docs = (count: number, prefix = "d") =>
  Array.from(
    { length: count },
    (_, i) => new Document({ pageContent: `${prefix}${i}`, id: `${prefix}${i}`, metadata: { i } }),
  );

function exactTop(vectors: number[][], query: number[], k: number, skip?: (i: number) => boolean): string[] {
  return vectors
    .map((v, i) => ({ id: `d${i}`, s: cosine(v, query), i }))
    .filter(({ i }) => !skip?.(i))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((e) => e.id);
}

async function projectedStore(count: number, seed = 1, initialCapacity?: number) {
  const store = new HnswLessonStore(embeddings, {
    numDimensions: dims,
    projection,
    ...(initialCapacity ? { initialCapacity } : {}),
  });
  const vectors = clustered(count, seed);
  await store.addVectors(vectors, docs(count));
  return { store, vectors };
}

test("below fitAfter the projected layout answers exactly; the fit comes with the add that reaches it", async (t) => {
  const store = new HnswLessonStore(embeddings, { numDimensions: dims, projection });
  const vectors = clustered(59, 2);
  await store.addVectors(vectors, docs(59));
  t.deepEqual(store.projection, {
    dimensions: 6,
    fitAfter: 60,
    rerank: 3,
    auto: false,
    energy: null,
    decision: "pending",
  });
  const query = clustered(1, 99)[0]!;
  const hits = await store.similaritySearchVectorWithScore(query, 10);
  t.deepEqual(
    hits.map(([d]) => d.id),
    exactTop(vectors, query, 10),
  );
  await store.addVectors(clustered(1, 3), docs(1, "x"));
  const energy = store.projection?.energy;
  t.true(energy !== null && energy !== undefined && energy > 0.9 && energy <= 1, `energy ${energy}`);
  t.is(store.size, 60);
});

test("after the fit, results are found by projection and scored by exact cosine", async (t) => {
  const { store, vectors } = await projectedStore(600);
  t.not(store.projection?.energy, null);
  let hits = 0;
  const queries = clustered(40, 7);
  for (const query of queries) {
    const found = await store.similaritySearchVectorWithScore(query, 10);
    const truth = new Set(exactTop(vectors, query, 10));
    hits += found.filter(([d]) => truth.has(d.id as string)).length;
    for (const [d, score] of found) t.true(Math.abs(score - cosine(vectors[Number(d.id?.slice(1))]!, query)) < 1e-5);
    t.true(
      found.every(([, s], i) => i === 0 || s <= found[i - 1]![1]),
      "best first",
    );
  }
  t.true(hits / (queries.length * 10) >= 0.9, `recall@10 ${hits / (queries.length * 10)}`);
});

test("deletes, updates, filters and slot reuse work after the fit", async (t) => {
  // Full to capacity, so an add that did not reuse the deleted slot would have to grow it.
  const { store, vectors } = await projectedStore(200, 1, 200);
  t.is(store.capacity, 200);
  const query = vectors[5]!;
  const [first] = await store.similaritySearchVectorWithScore(query, 1);
  t.is(first?.[0].id, "d5");
  await store.delete({ ids: ["d5"] });
  t.false((await store.similaritySearchVectorWithScore(query, 20)).some(([d]) => d.id === "d5"));
  // Update d7 to point where d5 was: it is found there with its new vector.
  await store.addVectors([query], [new Document({ pageContent: "moved", id: "d7" })]);
  const [moved] = await store.similaritySearchVectorWithScore(query, 1);
  t.is(moved?.[0].id, "d7");
  t.true(Math.abs((moved?.[1] ?? 0) - 1) < 1e-5);
  const capacity = store.capacity;
  await store.addVectors(clustered(1, 11), docs(1, "new"));
  t.is(store.capacity, capacity, "the deleted slot is reused");
  const odd = await store.similaritySearchVectorWithScore(query, 10, (d) => (d.metadata.i as number) % 2 === 1);
  t.is(odd.length, 10);
  t.true(odd.every(([d]) => (d.metadata.i as number) % 2 === 1));
});

test("calibrateEfSearch measures the projected search against exact cosine", async (t) => {
  const { store } = await projectedStore(400);
  const result = store.calibrateEfSearch({ targetRecall: 0.9, k: 5, random: mulberry32(3) });
  t.true(result.reached);
  t.is(store.efSearch, result.efSearch);
  // Below k × rerank (15 for k = 5) every ef runs the same search: tried once, at 15, never reported lower.
  const floor = store.calibrateEfSearch({
    targetRecall: 1.01,
    k: 5,
    candidates: [4, 8, 12, 64],
    random: mulberry32(3),
  });
  t.deepEqual(
    floor.recallByEf.map((r) => r.efSearch),
    [15, 64],
  );
});

test("save and load keep the layout, the basis and the answers, before and after the fit", async (t) => {
  for (const count of [30, 300]) {
    const { store, vectors } = await projectedStore(count, count);
    await store.delete({ ids: ["d1"] });
    const dir = await tempDir();
    await store.save(dir);
    const names = (await readdir(dir)).map((f) => f.replace(/-[a-z0-9]+-[0-9a-f]{8}/, "-TAG")).sort();
    const fitted = count >= projection.fitAfter;
    t.deepEqual(names, [
      "documents-TAG.json",
      "index-TAG.hnsw",
      "manifest.json",
      ...(fitted ? ["projection-TAG.f32"] : []),
      "vectors-TAG.f32",
    ]);
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
    t.like(manifest, { formatVersion: 2, projection: { dimensions: 6, fitAfter: 60, rerank: 3 } });
    const loaded = await HnswLessonStore.load(dir, embeddings);
    t.deepEqual(loaded.projection, store.projection);
    for (const query of clustered(5, 50)) {
      t.deepEqual(
        await loaded.similaritySearchVectorWithScore(query, 5),
        await store.similaritySearchVectorWithScore(query, 5),
      );
    }
    // The loaded store goes on: adds (reaching the fit for the small one) and deletes.
    await loaded.addVectors(clustered(60, 5), docs(60, "more"));
    t.not(loaded.projection?.energy, null);
    t.is(loaded.size, count - 1 + 60);
    const [hit] = await loaded.similaritySearchVectorWithScore(vectors[2]!, 1);
    t.is(hit?.[0].id, "d2");
  }
});

test("the direct layout still saves as format 1, which every reader opens", async (t) => {
  const store = new HnswLessonStore(embeddings, { numDimensions: dims });
  await store.addVectors(clustered(10, 4), docs(10));
  const dir = await tempDir();
  await store.save(dir);
  const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  t.is(manifest.formatVersion, 1);
  t.false("projection" in manifest);
  t.false("vectors" in manifest.files);
});

async function loadError(dir: string): Promise<StorageError> {
  const error = await HnswLessonStore.load(dir, embeddings).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!StorageError.isInstance(error)) throw new Error(`expected a StorageError, got ${String(error)}`);
  return error;
}

/** Replaces a file of a saved folder and fixes its size and checksum in the manifest, as a careful vandal would. */
async function rewriteNamed(
  dir: string,
  manifest: { files: Record<string, { name: string; bytes: number; sha256: string }> },
  key: string,
  bytes: Buffer | string,
) {
  const entry = manifest.files[key]!;
  await writeFile(join(dir, entry.name), bytes);
  const buffer = Buffer.from(bytes);
  entry.bytes = buffer.length;
  entry.sha256 = createHash("sha256").update(buffer).digest("hex");
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
}

async function savedProjected() {
  const { store } = await projectedStore(100);
  const dir = await tempDir();
  await store.save(dir);
  const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  return { dir, manifest };
}

test("manifest settings no store could have, or projection under format 1, are StorageErrors, not ConfigErrors", async (t) => {
  const { dir, manifest } = await savedProjected();
  const write = (m: object) => writeFile(join(dir, "manifest.json"), JSON.stringify(m));
  for (const change of [{ rerank: 5000 }, { fitAfter: 2 }]) {
    await write({ ...manifest, projection: { ...manifest.projection, ...change } });
    const error = await loadError(dir);
    t.is(error.code, "MANIFEST", JSON.stringify(change));
    t.regex(error.message, /manifest settings are invalid/);
  }
  await write({ ...manifest, formatVersion: 1 });
  t.regex((await loadError(dir)).message, /format 1 but carries projection settings/);
  await write(manifest);
  t.is((await HnswLessonStore.load(dir, embeddings)).size, 100);
});

test("a document moved onto a deleted element is caught at load, in both layouts", async (t) => {
  for (const layout of [{}, { projection }]) {
    const store = new HnswLessonStore(embeddings, { numDimensions: dims, ...layout });
    await store.addVectors(clustered(100, 6), docs(100));
    await store.delete({ ids: ["d3"] });
    const dir = await tempDir();
    await store.save(dir);
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
    const documents = JSON.parse(await readFile(join(dir, manifest.files.documents.name), "utf8"));
    const d4 = documents.documents.find((doc: { id: string }) => doc.id === "d4");
    d4.label = 3;
    await rewriteNamed(dir, manifest, "documents", JSON.stringify(documents));
    const error = await loadError(dir);
    t.is(error.code, "MISMATCH");
    t.regex(error.message, /element 4 is live but no document holds it/);
  }
});

test("a non-finite number in the vectors or basis file is refused even with a matching checksum", async (t) => {
  for (const key of ["vectors", "projection"]) {
    const { dir, manifest } = await savedProjected();
    const bytes = await readFile(join(dir, manifest.files[key].name));
    bytes.writeFloatLE(Number.NaN, 40);
    await rewriteNamed(dir, manifest, key, bytes);
    const error = await loadError(dir);
    t.is(error.code, "MISMATCH", key);
    t.regex(error.message, /NaN at float 10/);
  }
});

test("a save that overlaps an add writes a consistent generation, in both layouts and from empty", async (t) => {
  for (const layout of [{}, { projection }]) {
    for (const start of [0, 10]) {
      const store = new HnswLessonStore(embeddings, { numDimensions: dims, ...layout });
      if (start > 0) await store.addVectors(clustered(start, 8), docs(start));
      const dir = await tempDir();
      const saving = store.save(dir);
      // Let the save start and wait on its folder before the add comes in.
      for (let i = 0; i < 3; i++) await null;
      await store.addVectors(clustered(5, 9), docs(5, "late"));
      await saving;
      const loaded = await HnswLessonStore.load(dir, embeddings);
      t.true(loaded.size === start || loaded.size === start + 5, `loaded ${loaded.size}`);
      t.deepEqual(
        loaded.projection && { ...loaded.projection, energy: null },
        store.projection && { ...store.projection, energy: null },
      );
    }
  }
});

test("an empty projected store saves and loads as projected, and fits once it reaches fitAfter", async (t) => {
  const store = new HnswLessonStore(embeddings, { numDimensions: dims, projection });
  const dir = await tempDir();
  await store.save(dir);
  const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  t.like(manifest, {
    formatVersion: 2,
    projection: { dimensions: 6, energy: null },
    files: { index: null, vectors: null },
  });
  const loaded = await HnswLessonStore.load(dir, embeddings);
  t.deepEqual(loaded.projection, {
    dimensions: 6,
    fitAfter: 60,
    rerank: 3,
    auto: false,
    energy: null,
    decision: "pending",
  });
  await loaded.addVectors(clustered(60, 10), docs(60));
  t.not(loaded.projection?.energy, null);
});

test("deleting and adding over and over does not grow the vectors kept or saved", async (t) => {
  const store = new HnswLessonStore(embeddings, { numDimensions: dims, projection, initialCapacity: 128 });
  for (let round = 0; round < 20; round++) {
    if (round > 0) await store.delete({ ids: store.ids() });
    await store.addVectors(clustered(100, round), docs(100, `r${round}-`));
  }
  t.is(store.size, 100);
  t.is(store.capacity, 128);
  const dir = await tempDir();
  await store.save(dir);
  const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  t.is(manifest.files.vectors.bytes, 100 * dims * 4, "one row a live document");
  const loaded = await HnswLessonStore.load(dir, embeddings);
  const query = clustered(1, 19)[0]!;
  t.deepEqual(
    await loaded.similaritySearchVectorWithScore(query, 5),
    await store.similaritySearchVectorWithScore(query, 5),
  );
});

test("a damaged projected save is refused with the reason, before anything is built from it", async (t) => {
  const a = await savedProjected();
  const vectorsFile = join(a.dir, a.manifest.files.vectors.name);
  await truncate(vectorsFile, 100);
  t.is((await loadError(a.dir)).code, "TRUNCATED");

  const b = await savedProjected();
  await rm(join(b.dir, b.manifest.files.projection.name));
  t.is((await loadError(b.dir)).code, "TRUNCATED");

  // A manifest that says fitted but names no basis, or names vectors without settings.
  const c = await savedProjected();
  const write = (m: object) => writeFile(join(c.dir, "manifest.json"), JSON.stringify(m));
  await write({ ...c.manifest, files: { ...c.manifest.files, projection: null } });
  const unfitted = await loadError(c.dir);
  t.is(unfitted.code, "MISMATCH");
  t.regex(unfitted.message, /fitted/);
  const { projection: _settings, ...withoutSettings } = c.manifest;
  await write(withoutSettings);
  t.is((await loadError(c.dir)).code, "MISMATCH");
  // Settings whose basis size disagrees with the index file.
  await write({ ...c.manifest, projection: { ...c.manifest.projection, dimensions: 5 } });
  t.is((await loadError(c.dir)).code, "MISMATCH");
  await write(c.manifest);
  t.is((await HnswLessonStore.load(c.dir, embeddings)).size, 100, "the untouched folder still loads");
});

test("a process killed mid-save of a projected store never leaves a folder that fails to load", async (t) => {
  for (let attempt = 0; attempt < 2; attempt++) {
    const dir = await tempDir();
    const saved = await killWriterMidSave(dir, ["projected"], 3, attempt * 5);
    const loaded = await HnswLessonStore.load(dir, new TableEmbeddings(64));
    t.true(loaded.size >= (saved.at(-1) ?? 0));
    t.is(loaded.size % 500, 0, "a whole save, never a torn one");
    t.not(loaded.projection?.energy, null, "saved after the fit at 1,000");
  }
});

test("bad projection options are ConfigErrors naming the field", (t) => {
  const make = (options: object) => () =>
    new HnswLessonStore(embeddings, { numDimensions: dims, ...options } as { numDimensions: number });
  const field = (options: object) => t.throws(make(options), { instanceOf: ConfigError }).field;
  t.is(field({ projection: { dimensions: 24 } }), "projection.dimensions");
  t.is(field({ projection: { dimensions: 0 } }), "projection.dimensions");
  t.is(field({ projection: { dimensions: 4, fitAfter: 3 } }), "projection.fitAfter");
  t.is(field({ projection: { dimensions: 4, rerank: 0.5 } }), "projection.rerank");
  t.is(field({ projection: "yes" }), "projection");
  t.is(
    t.throws(() => new HnswLessonStore(embeddings, { numDimensions: 5000, projection: { dimensions: 8 } }), {
      instanceOf: ConfigError,
    }).field,
    "projection",
  );
  t.is(field({ projection: { dimensions: 13 } }), "projection.dimensions");
  t.notThrows(make({ projection: { dimensions: 12 } }));
  t.regex(t.throws(make({ projection: { dimensions: 30 } }))?.message ?? "", /at most half of numDimensions \(24\)/);
});

test("PcaProjection finds the subspace the data lives in and keeps inner products there", (t) => {
  // 200 unit vectors in the span of three fixed directions of a 10-dim space.
  const next = mulberry32(5);
  const axes = Array.from({ length: 3 }, () => Array.from({ length: 10 }, () => next() - 0.5));
  const rows = new Float32Array(200 * 10);
  for (let r = 0; r < 200; r++) {
    const w = [next() - 0.5, next() - 0.5, next() - 0.5];
    const v = Array.from({ length: 10 }, (_, j) => axes.reduce((s, a, i) => s + w[i]! * a[j]!, 0));
    const norm = Math.hypot(...v);
    rows.set(
      v.map((x) => x / norm),
      r * 10,
    );
  }
  const fitted = PcaProjection.fit(rows, 200, 10, 3);
  t.true(fitted.energy > 0.9999, `energy ${fitted.energy}`);
  const a = rows.subarray(0, 10);
  const b = rows.subarray(10, 20);
  const pa = fitted.project(a);
  const pb = fitted.project(b);
  const inner = pa.reduce((s, x, i) => s + x * pb[i]!, 0);
  t.true(Math.abs(inner - cosine([...a], [...b])) < 1e-4);
  // Rows of the basis are orthonormal.
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const dot = Array.from({ length: 10 }, (_, c) => fitted.basis[i * 10 + c]! * fitted.basis[j * 10 + c]!).reduce(
        (s, x) => s + x,
      );
      t.true(Math.abs(dot - (i === j ? 1 : 0)) < 1e-4);
    }
  }
  t.throws(() => PcaProjection.fromBytes("basis.f32", new Uint8Array(7), 10, 3, 1), { instanceOf: StorageError });
});

test("on a 512-dim USE-lite-shaped sample the fitted basis keeps the energy of the exact eigenvectors", async (t) => {
  const { default: spectrum } = await import("../../bench/fixtures/use-lite-spectrum.json", { with: { type: "json" } });
  const d = 512;
  const count = 700;
  const next = mulberry32(12);
  const gauss = () => Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
  const scale = spectrum.shares.map(Math.sqrt);
  const centres = Array.from({ length: 40 }, () => scale.map((s: number) => s * gauss()));
  const rows = new Float32Array(count * d);
  for (let r = 0; r < count; r++) {
    const v = centres[r % 40]!.map((c: number, j: number) => c + 1.2 * scale[j]! * gauss());
    const norm = Math.hypot(...v);
    for (let j = 0; j < d; j++) rows[r * d + j] = v[j]! / norm;
  }
  const fitted = PcaProjection.fit(rows, count, d, 128);
  const moment = new Matrix(d, d);
  for (let r = 0; r < count; r++) {
    const row = rows.subarray(r * d, (r + 1) * d);
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) moment.set(i, j, moment.get(i, j) + row[i]! * row[j]!);
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) moment.set(i, j, moment.get(j, i));
  const values = [...new EigenvalueDecomposition(moment, { assumeSymmetric: true }).realEigenvalues].sort(
    (a, b) => b - a,
  );
  const exact = values.slice(0, 128).reduce((s, v) => s + v, 0) / values.reduce((s, v) => s + Math.max(0, v), 0);
  t.true(Math.abs(fitted.energy - exact) < 0.002, `fitted ${fitted.energy}, exact ${exact}`);
  for (const [i, j] of [
    [0, 0],
    [0, 127],
    [127, 127],
    [64, 65],
  ] as const) {
    let dot = 0;
    for (let c = 0; c < d; c++) dot += fitted.basis[i * d + c]! * fitted.basis[j * d + c]!;
    t.true(Math.abs(dot - (i === j ? 1 : 0)) < 1e-4, `rows ${i} and ${j}: ${dot}`);
  }
});
