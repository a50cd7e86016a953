import { join } from "node:path";
import { Document } from "@langchain/core/documents";
import { ConfigError, type Lesson, questionKey } from "@lanpo/core";
import test from "ava";
import { HnswLessonMemory } from "../../memory/src/lesson-memory/hnsw-lesson-memory.ts";
import { PROBLEMS_DIR, TEXTS_DIR, writeMemoryFolderInfo } from "../../memory/src/lesson-memory/memory-folder.ts";
import { HnswLessonStore } from "../../memory/src/store/hnsw-lesson-store.ts";
import { CAR, RATE_CAR, RATE_TRAIN, TRAIN } from "../core/lesson-memory-contract.ts";
import { BagOfWordsEmbeddings } from "../fixtures/memory-bag-of-words-embeddings.ts";
import { tempDir } from "./hnsw-store-helpers.ts";

const all = { k: 10, minScore: -1, excludeProblemIds: [] as string[] };
/** TRAIN asked again under another id, written differently: the same question (a twin). */
const TRAIN_TWIN = `  ${TRAIN.toUpperCase().replace("?", " ?")} `;

test("a lesson records the question key of its problem, and the union of keys when drafts merge", async (t) => {
  const memory = await HnswLessonMemory.open({ embeddings: new BagOfWordsEmbeddings() });
  const [first] = await memory.add([RATE_TRAIN]);
  t.deepEqual(first?.lesson.sourceQuestionKeys, [questionKey(TRAIN)]);
  const [merged] = await memory.add([{ ...RATE_TRAIN, sourceProblemIds: ["car"], problemText: CAR }]);
  t.true(merged?.merged);
  t.deepEqual(merged?.lesson.sourceQuestionKeys, [questionKey(TRAIN), questionKey(CAR)]);
  // A twin's key is the same key: merging it adds nothing.
  const [twin] = await memory.add([{ ...RATE_TRAIN, sourceProblemIds: ["train-2"], problemText: TRAIN_TWIN }]);
  t.deepEqual(twin?.lesson.sourceQuestionKeys, [questionKey(TRAIN), questionKey(CAR)]);
  t.deepEqual((await memory.get(first?.lesson.id ?? ""))?.sourceQuestionKeys, [questionKey(TRAIN), questionKey(CAR)]);
});

test("excludeQuestionKeys keeps a twin's lessons out, under any id, before the top k are taken", async (t) => {
  const memory = await HnswLessonMemory.open({ embeddings: new BagOfWordsEmbeddings() });
  const [own] = await memory.add([{ ...RATE_TRAIN, sourceProblemIds: ["train-under-another-id"] }]);
  await memory.add([RATE_CAR]);
  // Problem "train" never helped distil anything, so its id excludes nothing: its twin's lesson is the top hit.
  const byIdOnly = await memory.search(TRAIN_TWIN, { ...all, k: 1, excludeProblemIds: ["train"] });
  t.is(byIdOnly[0]?.lesson.id, own?.lesson.id);
  const hits = await memory.search(TRAIN_TWIN, {
    ...all,
    k: 1,
    excludeProblemIds: ["train"],
    excludeQuestionKeys: [questionKey(TRAIN_TWIN)],
  });
  t.is(hits.length, 1, "the exclusion does not eat into k");
  t.deepEqual(hits[0]?.lesson.sourceProblemIds, ["car"]);
  // Other numbers are another question: the key differs and nothing is excluded.
  const other = await memory.search(TRAIN, { ...all, excludeQuestionKeys: [questionKey(TRAIN.replace("60", "61"))] });
  t.is(other.length, 2);
});

test("a merged lesson is excluded for the question of every draft merged into it", async (t) => {
  const memory = await HnswLessonMemory.open({ embeddings: new BagOfWordsEmbeddings() });
  await memory.add([RATE_TRAIN]);
  await memory.add([{ ...RATE_TRAIN, sourceProblemIds: ["car"], problemText: CAR }]);
  t.deepEqual(await memory.search(CAR, { ...all, excludeQuestionKeys: [questionKey(CAR)] }), []);
  t.is((await memory.search(CAR, all)).length, 1);
});

test("question keys are persisted, and derived from problemText for lessons saved without them", async (t) => {
  const dir = await tempDir("lanpo-memory-");
  const memory = await HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() });
  await memory.add([RATE_TRAIN]);
  await memory.add([{ ...RATE_TRAIN, sourceProblemIds: ["car"], problemText: CAR }]);
  await memory.flush();
  const again = await HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() });
  t.deepEqual(again.list()[0]?.sourceQuestionKeys, [questionKey(TRAIN), questionKey(CAR)]);

  // A folder as an older version wrote it: lesson metadata without sourceQuestionKeys.
  const old = await tempDir("lanpo-memory-");
  const embeddings = new BagOfWordsEmbeddings();
  const lesson: Lesson = {
    id: "old-1",
    text: RATE_TRAIN.text,
    sourceProblemIds: ["train"],
    problemText: TRAIN,
    createdAtMs: 1,
    mergedCount: 0,
    retrievals: 0,
    meanAdvantage: null,
    uses: 0,
  };
  const problems = new HnswLessonStore(embeddings, { numDimensions: embeddings.dimensions });
  await problems.addVectors(
    [embeddings.embed(TRAIN)],
    [new Document({ pageContent: TRAIN, metadata: { ...lesson }, id: lesson.id })],
  );
  const texts = new HnswLessonStore(embeddings, { numDimensions: embeddings.dimensions });
  await texts.addVectors([embeddings.embed(lesson.text)], [new Document({ pageContent: lesson.text, id: lesson.id })]);
  await writeMemoryFolderInfo(old, { numDimensions: embeddings.dimensions, embeddingsId: "BagOfWordsEmbeddings" });
  await texts.save(join(old, TEXTS_DIR));
  await problems.save(join(old, PROBLEMS_DIR));
  const reopened = await HnswLessonMemory.open({ dir: old, embeddings });
  t.deepEqual((await reopened.get("old-1"))?.sourceQuestionKeys, [questionKey(TRAIN)]);
  t.deepEqual(await reopened.search(TRAIN_TWIN, { ...all, excludeQuestionKeys: [questionKey(TRAIN_TWIN)] }), []);
  t.deepEqual((await HnswLessonMemory.readLessons(old))[0]?.sourceQuestionKeys, [questionKey(TRAIN)]);
});

test("imported lessons without question keys get them from their problem text", async (t) => {
  const memory = await HnswLessonMemory.open({ embeddings: new BagOfWordsEmbeddings() });
  await memory.importLessons([
    {
      id: "x",
      text: RATE_TRAIN.text,
      sourceProblemIds: ["train"],
      problemText: TRAIN,
      createdAtMs: 1,
      mergedCount: 0,
      retrievals: 0,
      meanAdvantage: null,
      uses: 0,
    },
  ]);
  t.deepEqual((await memory.get("x"))?.sourceQuestionKeys, [questionKey(TRAIN)]);
});

test("excludeQuestionKeys that is not an array of strings is a ConfigError", async (t) => {
  const memory = await HnswLessonMemory.open({ embeddings: new BagOfWordsEmbeddings() });
  await memory.add([RATE_TRAIN]);
  for (const bad of ["key", [1], null]) {
    const error = await t.throwsAsync(
      memory.search(TRAIN, { ...all, excludeQuestionKeys: bad as unknown as string[] }),
    );
    t.true(ConfigError.isInstance(error));
    t.is((error as ConfigError).field, "excludeQuestionKeys");
  }
});

test("suggestedMinScore is the embeddings' own lanpoMinScore, undefined when they carry none", async (t) => {
  const plain = await HnswLessonMemory.open({ embeddings: new BagOfWordsEmbeddings() });
  t.is(plain.suggestedMinScore, undefined);
  const calibrated = Object.assign(new BagOfWordsEmbeddings(), { lanpoMinScore: 0.62 });
  t.is((await HnswLessonMemory.open({ embeddings: calibrated })).suggestedMinScore, 0.62);
  const nonsense = Object.assign(new BagOfWordsEmbeddings(), { lanpoMinScore: "high" });
  t.is((await HnswLessonMemory.open({ embeddings: nonsense })).suggestedMinScore, undefined);
});
