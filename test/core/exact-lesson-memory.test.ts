import { ConfigError, ExactLessonMemory, type LessonDraft } from "@lanpo/core";
import test from "ava";
import { BagOfWordsEmbeddings } from "../fixtures/memory-bag-of-words-embeddings.js";
import { ScriptedEmbeddings } from "../fixtures/scripted-embeddings.ts";
import { BUS, DRAFTS, lessonMemoryContract, RATE_TRAIN, TRAIN } from "./lesson-memory-contract.js";

lessonMemoryContract("ExactLessonMemory", () => new ExactLessonMemory(new BagOfWordsEmbeddings()));

test("ids and timestamps come from the injected generator and clock", async (t) => {
  let next = 0;
  const memory = new ExactLessonMemory(new BagOfWordsEmbeddings(), {
    generateId: () => `lesson-${next++}`,
    now: () => 1234,
  });
  const results = await memory.add(DRAFTS.slice(0, 2));
  t.deepEqual(
    results.map((r) => [r.lesson.id, r.lesson.createdAtMs]),
    [
      ["lesson-0", 1234],
      ["lesson-1", 1234],
    ],
  );
});

test("mergeThreshold decides what counts as a near-duplicate", async (t) => {
  const strict = new ExactLessonMemory(new BagOfWordsEmbeddings(), { mergeThreshold: 1 });
  const loose = new ExactLessonMemory(new BagOfWordsEmbeddings(), { mergeThreshold: 0.5 });
  const similar = { ...RATE_TRAIN, text: `${RATE_TRAIN.text} Then check the units.` };
  t.deepEqual(
    (await strict.add([RATE_TRAIN, similar])).map((r) => r.merged),
    [false, false],
  );
  t.deepEqual(
    (await loose.add([RATE_TRAIN, similar])).map((r) => r.merged),
    [false, true],
  );
});

test("an invalid mergeThreshold is a ConfigError", (t) => {
  for (const mergeThreshold of [Number.NaN, 1.5, -1, -3]) {
    const error = t.throws(() => new ExactLessonMemory(new BagOfWordsEmbeddings(), { mergeThreshold }));
    t.true(ConfigError.isInstance(error));
    t.is((error as ConfigError).field, "mergeThreshold");
  }
});

test("malformed drafts are rejected before anything is stored", async (t) => {
  const memory = new ExactLessonMemory(new BagOfWordsEmbeddings());
  for (const [field, draft] of [
    ["drafts[1].text", { ...RATE_TRAIN, text: "  " }],
    ["drafts[1].problemText", { ...RATE_TRAIN, problemText: "" }],
    ["drafts[1].sourceProblemIds", { ...RATE_TRAIN, sourceProblemIds: [] }],
    ["drafts[1].sourceProblemIds", { ...RATE_TRAIN, sourceProblemIds: [""] }],
  ] as const satisfies readonly (readonly [string, LessonDraft])[]) {
    const error = await t.throwsAsync(memory.add([DRAFTS[1] ?? RATE_TRAIN, draft]));
    t.true(ConfigError.isInstance(error));
    t.is((error as ConfigError).field, field);
  }
  t.deepEqual(await memory.stats(), { lessons: 0, merges: 0 });
});

test("a vector of another dimension is a ConfigError, and the memory is left as it was", async (t) => {
  let dimensions = 8;
  const memory = new ExactLessonMemory(
    new ScriptedEmbeddings((text) => Array.from({ length: dimensions }, (_, i) => (text.length + i) % 5)),
  );
  await memory.add([RATE_TRAIN]);
  dimensions = 9;
  const onAdd = await t.throwsAsync(memory.add(DRAFTS.slice(1)));
  t.true(ConfigError.isInstance(onAdd));
  t.regex(onAdd?.message ?? "", /9-dimension.*8-dimension/);
  const onSearch = await t.throwsAsync(memory.search(BUS, { k: 1, minScore: -1, excludeProblemIds: [] }));
  t.true(ConfigError.isInstance(onSearch));
  t.is((await memory.stats()).lessons, 1);
});

test("NaN, empty and non-vector embeddings are ConfigErrors", async (t) => {
  for (const bad of [[0.1, Number.NaN], [], "nope", undefined, [Number.POSITIVE_INFINITY, 1]]) {
    const memory = new ExactLessonMemory(new ScriptedEmbeddings(() => bad));
    const error = await t.throwsAsync(memory.add([RATE_TRAIN]));
    t.true(ConfigError.isInstance(error), String(bad));
    t.is((error as ConfigError).field, "embeddings");
  }
});

test("a query with no words (zero vector) scores 0 against everything instead of NaN", async (t) => {
  const memory = new ExactLessonMemory(new BagOfWordsEmbeddings());
  await memory.add(DRAFTS);
  const hits = await memory.search("?!", { k: 10, minScore: -1, excludeProblemIds: [] });
  t.deepEqual(
    hits.map((h) => h.score),
    [0, 0, 0, 0],
  );
  t.deepEqual(await memory.search("?!", { k: 10, minScore: 0.01, excludeProblemIds: [] }), []);
});

test("recordUse rejects a non-finite advantage and skips unknown lesson ids", async (t) => {
  const memory = new ExactLessonMemory(new BagOfWordsEmbeddings());
  const [added] = await memory.add([RATE_TRAIN]);
  const id = added?.lesson.id ?? "";
  const error = await t.throwsAsync(memory.recordUse([{ lessonIds: [id], advantage: Number.NaN }]));
  t.true(ConfigError.isInstance(error));
  t.is((error as ConfigError).field, "uses[0].advantage");
  await memory.recordUse([{ lessonIds: ["unknown", id, id], advantage: 2 }]);
  const lesson = await memory.get(id);
  t.is(lesson?.uses, 1, "a lesson listed twice in one rollout counts once");
  t.is(lesson?.meanAdvantage, 2);
});

test("search embeds the question once and add embeds in two batched calls", async (t) => {
  const embeddings = new BagOfWordsEmbeddings();
  const memory = new ExactLessonMemory(embeddings);
  await memory.add(DRAFTS);
  t.is(embeddings.documentCalls, 2);
  await memory.search(TRAIN, { k: 2, minScore: 0, excludeProblemIds: [] });
  t.is(embeddings.queryCalls, 1);
});

test("one add of more distinct problems than the vector cache holds keeps every lesson searchable", async (t) => {
  // The cache of problem vectors is bounded (256); filling it must not evict vectors the same batch needs.
  const memory = new ExactLessonMemory(new BagOfWordsEmbeddings(), { mergeThreshold: 1 });
  const drafts: LessonDraft[] = Array.from({ length: 300 }, (_, i) => ({
    text: `Lesson ${i}: write the unknown number ${i} as a variable word${i} first.`,
    problemText: `Problem ${i} about word${i} and quantity${i}.`,
    sourceProblemIds: [`p${i}`],
  }));
  await memory.add(drafts.slice(0, 5));
  await memory.add(drafts);
  const hits = await memory.search("Problem 3 about word3 and quantity3.", {
    k: 3,
    minScore: 0,
    excludeProblemIds: [],
  });
  t.is(hits.length, 3);
  t.is(hits[0]?.lesson.sourceProblemIds[0], "p3");
});
