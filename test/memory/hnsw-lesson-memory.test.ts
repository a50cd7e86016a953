import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, type LessonDraft, StorageError } from "@lanpo/core";
import test from "ava";
import { HnswLessonMemory } from "../../memory/src/lesson-memory/hnsw-lesson-memory.ts";
import { BUS, CAR, DRAFTS, lessonMemoryContract, RATE_TRAIN, TRAIN } from "../core/lesson-memory-contract.ts";
import { BagOfWordsEmbeddings } from "../fixtures/memory-bag-of-words-embeddings.ts";
import { ScriptedEmbeddings } from "../fixtures/scripted-embeddings.ts";

lessonMemoryContract("HnswLessonMemory", () => HnswLessonMemory.open({ embeddings: new BagOfWordsEmbeddings() }));

lessonMemoryContract("HnswLessonMemory (persisted)", async () =>
  HnswLessonMemory.open({ embeddings: new BagOfWordsEmbeddings(), dir: await tempDir() }),
);

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "lanpo-memory-"));
}

const all = { k: 10, minScore: -1, excludeProblemIds: [] as string[] };

test("flush then open restores lessons, counts, merges and retrieval", async (t) => {
  const dir = await tempDir();
  let next = 0;
  const memory = await HnswLessonMemory.open({
    dir,
    embeddings: new BagOfWordsEmbeddings(),
    generateId: () => `l${next++}`,
    now: () => 42,
  });
  await memory.add(DRAFTS);
  await memory.add([{ ...RATE_TRAIN, sourceProblemIds: ["bus"] }]);
  await memory.search(BUS, { ...all, k: 1 });
  await memory.recordUse([{ lessonIds: ["l0"], advantage: 0.5 }]);
  await memory.flush();
  const again = await HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() });
  t.deepEqual(await again.stats(), { lessons: 4, merges: 1 });
  t.deepEqual(await again.get("l0"), { ...(await memory.get("l0"))! });
  const l0 = await again.get("l0");
  t.deepEqual(l0?.sourceProblemIds, ["train", "bus"]);
  t.is(l0?.uses, 1);
  t.is(l0?.meanAdvantage, 0.5);
  t.is(l0?.createdAtMs, 42);
  t.deepEqual(
    again
      .list()
      .map((l) => l.id)
      .sort(),
    ["l0", "l1", "l2", "l3"],
  );
  // The lesson-text index came back too: the same lesson again still merges.
  const [merged] = await again.add([{ ...RATE_TRAIN, sourceProblemIds: ["car"] }]);
  t.true(merged?.merged);
  t.deepEqual((await HnswLessonMemory.readLessons(dir)).length, 4);
  // After a reopen, search still excludes a lesson's own problems.
  const hits = await again.search(TRAIN, { ...all, excludeProblemIds: ["train"] });
  t.false(hits.some((h) => h.lesson.id === "l0"));
});

test("an in-memory memory writes nothing and flush is a no-op", async (t) => {
  const memory = await HnswLessonMemory.open({ embeddings: new BagOfWordsEmbeddings() });
  await memory.add(DRAFTS);
  await t.notThrowsAsync(memory.flush());
});

test("a folder built with other embeddings is refused by name and by dimension", async (t) => {
  const dir = await tempDir();
  const memory = await HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() });
  await memory.add(DRAFTS);
  await memory.flush();
  const other = await t.throwsAsync(
    HnswLessonMemory.open({ dir, embeddings: new ScriptedEmbeddings(() => new Array(512).fill(1)) }),
  );
  t.true(StorageError.isInstance(other));
  t.is((other as StorageError).code, "EMBEDDINGS");
  const smaller = await t.throwsAsync(
    HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings({ dimensions: 64 }) }),
  );
  t.is((smaller as StorageError).code, "DIMENSIONS");
  t.regex(smaller?.message ?? "", /512-dim.*64/);
});

test("a folder that is not a memory is refused; a missing folder is a new memory", async (t) => {
  const dir = await tempDir();
  await writeFile(join(dir, "notes.txt"), "hello");
  const error = await t.throwsAsync(HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() }));
  t.is((error as StorageError).code, "MANIFEST");
  const fresh = await HnswLessonMemory.open({ dir: join(dir, "new"), embeddings: new BagOfWordsEmbeddings() });
  t.deepEqual(await fresh.stats(), { lessons: 0, merges: 0 });
  await fresh.flush();
  t.deepEqual((await readdir(join(dir, "new"))).sort(), ["lanpo-memory.json", "problems", "texts"]);
});

test("a damaged problems index is reported, not crashed on", async (t) => {
  const dir = await tempDir();
  const memory = await HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() });
  await memory.add(DRAFTS);
  await memory.flush();
  const index = (await readdir(join(dir, "problems"))).find((f) => f.endsWith(".hnsw"))!;
  await writeFile(join(dir, "problems", index), "garbage");
  const error = await t.throwsAsync(HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() }));
  t.true(StorageError.isInstance(error));
  t.is((error as StorageError).code, "TRUNCATED");
});

test("a lost lesson-text index is rebuilt on open (crash between the two saves)", async (t) => {
  const dir = await tempDir();
  const memory = await HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() });
  await memory.add(DRAFTS);
  await memory.flush();
  await rm(join(dir, "texts"), { recursive: true });
  const again = await HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() });
  const [merged] = await again.add([RATE_TRAIN]);
  t.true(merged?.merged, "duplicates are still detected");
});

test("embeddings of the wrong size, NaN or garbage are ConfigErrors and change nothing", async (t) => {
  let dims = 8;
  const memory = await HnswLessonMemory.open({
    embeddings: new ScriptedEmbeddings((text) => Array.from({ length: dims }, (_, i) => (text.length + i) % 5)),
  });
  await memory.add([RATE_TRAIN]);
  dims = 9;
  const onAdd = await t.throwsAsync(memory.add(DRAFTS.slice(1)));
  t.true(ConfigError.isInstance(onAdd));
  t.is((onAdd as ConfigError).field, "embeddings");
  t.regex(onAdd?.message ?? "", /9-dimension.*8-dimension/);
  const onSearch = await t.throwsAsync(memory.search(BUS, { ...all, k: 1 }));
  t.true(ConfigError.isInstance(onSearch));
  t.is((await memory.stats()).lessons, 1);
  for (const bad of [[0.1, Number.NaN, 0, 0, 0, 0, 0, 0], "nope", undefined]) {
    const broken = await HnswLessonMemory.open({ embeddings: new ScriptedEmbeddings(() => bad), numDimensions: 8 });
    const error = await t.throwsAsync(broken.add([RATE_TRAIN]));
    t.is((error as ConfigError).field, "embeddings", String(bad));
  }
});

test("malformed drafts and uses name the field; bad mergeThreshold is refused", async (t) => {
  const memory = await HnswLessonMemory.open({ embeddings: new BagOfWordsEmbeddings() });
  const error = await t.throwsAsync(memory.add([RATE_TRAIN, { ...RATE_TRAIN, text: " " } as LessonDraft]));
  t.is((error as ConfigError).field, "drafts[1].text");
  t.deepEqual(await memory.stats(), { lessons: 0, merges: 0 });
  const use = await t.throwsAsync(memory.recordUse([{ lessonIds: [], advantage: Number.POSITIVE_INFINITY }]));
  t.is((use as ConfigError).field, "uses[0].advantage");
  for (const mergeThreshold of [Number.NaN, 1.5, -1]) {
    const bad = await t.throwsAsync(HnswLessonMemory.open({ embeddings: new BagOfWordsEmbeddings(), mergeThreshold }));
    t.is((bad as ConfigError).field, "mergeThreshold");
  }
});

test("concurrent adds of the same lesson merge instead of piling up, and none is lost", async (t) => {
  const memory = await HnswLessonMemory.open({ embeddings: new BagOfWordsEmbeddings() });
  const results = await Promise.all([
    memory.add([RATE_TRAIN]),
    memory.add([{ ...RATE_TRAIN, sourceProblemIds: ["car"], problemText: CAR }]),
    ...DRAFTS.slice(1).map((d) => memory.add([d])),
  ]);
  t.is(results.flat().length, 5);
  t.deepEqual(await memory.stats(), { lessons: 4, merges: 1 });
});

test("import keeps ids and counts and replaces by id", async (t) => {
  const source = await HnswLessonMemory.open({ embeddings: new BagOfWordsEmbeddings() });
  await source.add(DRAFTS);
  await source.recordUse([{ lessonIds: source.list().map((l) => l.id), advantage: 1 }]);
  const target = await HnswLessonMemory.open({ embeddings: new BagOfWordsEmbeddings() });
  t.deepEqual(await target.importLessons(source.list()), { added: 4, replaced: 0 });
  t.deepEqual(await target.importLessons(source.list().slice(0, 1)), { added: 0, replaced: 1 });
  t.deepEqual(target.list(), source.list());
  const hits = await target.search(TRAIN, { ...all, k: 1 });
  t.deepEqual(hits[0]?.lesson.sourceProblemIds, ["train"]);
});

test("embeddings that state their dimensions are not probed; others are probed once", async (t) => {
  const stated = new BagOfWordsEmbeddings({ dimensions: 64 });
  await HnswLessonMemory.open({ embeddings: stated });
  t.is(stated.queryCalls, 0);
  let probes = 0;
  const unstated = new ScriptedEmbeddings(() => {
    probes++;
    return [1, 0, 0];
  });
  const memory = await HnswLessonMemory.open({ embeddings: unstated });
  t.is(probes, 1);
  await memory.add([RATE_TRAIN]);
  t.is((await memory.search(TRAIN, { ...all, k: 1 })).length, 1);
});
