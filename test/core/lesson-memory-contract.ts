import { ConfigError, type LessonDraft, type LessonMemory, questionKey } from "@lanpo/core";
import test from "ava";

/**
 * The LessonMemory contract (packages/core/src/memory/lesson-memory.ts), written once and run
 * against every implementation:
 *
 * ```ts
 * lessonMemoryContract("ExactLessonMemory", () => new ExactLessonMemory(new BagOfWordsEmbeddings()));
 * ```
 *
 * `create` must return a fresh, empty memory on every call, built on a deterministic embedder for
 * which texts sharing words are more similar than texts that share none, and texts with the same
 * words (whatever the case and punctuation) are near-identical (cosine >= 0.99), for example
 * test/fixtures/memory-bag-of-words-embeddings.ts or HashedLexicalEmbeddings. The merge threshold
 * must be left at a value in (0, 0.99].
 */
export function lessonMemoryContract(name: string, create: () => Promise<LessonMemory> | LessonMemory): void {
  const title = (what: string) => `${name} contract: ${what}`;
  const all = { k: 10, minScore: -1, excludeProblemIds: [] as string[] };

  test(title("an empty memory abstains and reports zero lessons"), async (t) => {
    const memory = await create();
    t.deepEqual(await memory.search(TRAIN, all), []);
    t.deepEqual(await memory.stats(), { lessons: 0, merges: 0 });
    t.is(await memory.get("no-such-id"), undefined);
  });

  test(title("add stores drafts in order with fresh counters and distinct ids"), async (t) => {
    const memory = await create();
    const results = await memory.add(DRAFTS);
    t.is(results.length, DRAFTS.length);
    results.forEach((result, i) => {
      const draft = DRAFTS[i] as LessonDraft;
      t.false(result.merged);
      t.is(result.lesson.text, draft.text);
      t.deepEqual(result.lesson.sourceProblemIds, draft.sourceProblemIds);
      t.is(result.lesson.problemText, draft.problemText);
      t.is(result.lesson.mergedCount, 0);
      t.is(result.lesson.retrievals, 0);
      t.is(result.lesson.uses, 0);
      t.is(result.lesson.meanAdvantage, null);
      t.true(Number.isFinite(result.lesson.createdAtMs));
    });
    t.is(new Set(results.map((r) => r.lesson.id)).size, DRAFTS.length);
    t.deepEqual(await memory.stats(), { lessons: DRAFTS.length, merges: 0 });
    const first = results[0]?.lesson;
    t.deepEqual(await memory.get(first?.id ?? ""), first);
  });

  test(title("scores are cosine similarities, sorted descending, the most similar problem first"), async (t) => {
    const memory = await create();
    await memory.add(DRAFTS);
    const hits = await memory.search(BUS, all);
    t.is(hits.length, DRAFTS.length);
    for (const hit of hits) t.true(hit.score >= -1 - 1e-6 && hit.score <= 1 + 1e-6, `score ${hit.score}`);
    for (let i = 1; i < hits.length; i++) t.true((hits[i - 1]?.score ?? 0) >= (hits[i]?.score ?? 0));
    // The two travel problems share most of their words with the bus question; the others do not.
    t.deepEqual(new Set(hits.slice(0, 2).flatMap((h) => h.lesson.sourceProblemIds)), new Set(["train", "car"]));
    const same = await memory.search(TRAIN, all);
    t.deepEqual(same[0]?.lesson.sourceProblemIds, ["train"]);
    t.true((same[0]?.score ?? 0) > 0.99, "the identical problem text scores about 1");
    t.true((same[0]?.score ?? 1) > (same.at(-1)?.score ?? 1), "an unrelated problem scores lower");
  });

  test(title("minScore drops what is below it and abstains when nothing is above it"), async (t) => {
    const memory = await create();
    await memory.add(DRAFTS);
    const ranked = await memory.search(BUS, all);
    const second = ranked[1]?.score ?? 0;
    const third = ranked[2]?.score ?? 0;
    t.true(second > third, "the fixture problems must separate");
    const threshold = (second + third) / 2;
    const kept = await memory.search(BUS, { ...all, minScore: threshold });
    t.is(kept.length, 2);
    for (const hit of kept) t.true(hit.score >= threshold);
    const top = ranked[0]?.score ?? 0;
    t.deepEqual(await memory.search(BUS, { ...all, minScore: Math.min(1, top + 0.001) }), [], "abstain");
    t.deepEqual(await memory.search("zebra quokka xylophone", { ...all, minScore: 0.5 }), [], "nothing relevant");
  });

  test(title("k caps the number of lessons returned"), async (t) => {
    const memory = await create();
    await memory.add(DRAFTS);
    const ranked = await memory.search(BUS, all);
    const one = await memory.search(BUS, { ...all, k: 1 });
    t.is(one.length, 1);
    t.is(one[0]?.lesson.id, ranked[0]?.lesson.id);
    t.is((await memory.search(BUS, { ...all, k: 2 })).length, 2);
    t.is((await memory.search(BUS, { ...all, k: 50 })).length, DRAFTS.length);
  });

  test(title("a problem never receives its own lesson, nor one it helped distil"), async (t) => {
    const memory = await create();
    const [shared] = await memory.add([{ ...RATE_TRAIN, sourceProblemIds: ["train", "other-problem"] }]);
    await memory.add(DRAFTS.slice(1));
    const hits = await memory.search(TRAIN, { ...all, excludeProblemIds: ["other-problem"] });
    t.false(
      hits.some((h) => h.lesson.id === shared?.lesson.id),
      "excluded because one of its sources is excluded",
    );
    t.is(hits.length, DRAFTS.length - 1);
    const own = await memory.search(TRAIN, { ...all, excludeProblemIds: ["train"] });
    t.false(own.some((h) => h.lesson.sourceProblemIds.includes("train")));
  });

  test(
    title("twins: a lesson whose source question has an excluded key is never returned, under any id"),
    async (t) => {
      const memory = await create();
      const [lesson] = await memory.add([RATE_TRAIN]);
      t.deepEqual(lesson?.lesson.sourceQuestionKeys, [questionKey(TRAIN)], "keys of every source question are kept");
      const twin = `  ${TRAIN.toUpperCase()}  `;
      const hits = await memory.search(twin, {
        ...all,
        excludeProblemIds: ["twin-under-another-id"],
        excludeQuestionKeys: [questionKey(twin)],
      });
      t.false(hits.some((h) => h.lesson.id === lesson?.lesson.id));
      // A merged draft adds its question's key: a twin of the second source is excluded too.
      const [merged] = await memory.add([
        { text: RATE_TRAIN.text.toUpperCase().replace(/\.$/, "!"), sourceProblemIds: ["car"], problemText: CAR },
      ]);
      t.true(merged?.merged);
      t.deepEqual([...(merged?.lesson.sourceQuestionKeys ?? [])].sort(), [questionKey(CAR), questionKey(TRAIN)].sort());
      const forCarTwin = await memory.search(CAR, { ...all, excludeQuestionKeys: [questionKey(CAR)] });
      t.false(forCarTwin.some((h) => h.lesson.id === lesson?.lesson.id));
      const other = await memory.search(CAR, { ...all, excludeQuestionKeys: [questionKey("What is 3 + 5?")] });
      t.true(
        other.some((h) => h.lesson.id === lesson?.lesson.id),
        "an unrelated key excludes nothing",
      );
    },
  );

  test(title("exclusion does not eat into k: the next eligible lesson is returned"), async (t) => {
    const memory = await create();
    await memory.add(DRAFTS);
    const hits = await memory.search(TRAIN, { k: 1, minScore: -1, excludeProblemIds: ["train"] });
    t.is(hits.length, 1);
    t.deepEqual(hits[0]?.lesson.sourceProblemIds, ["car"], "the other travel problem is next");
  });

  test(title("add merges a near-duplicate lesson into the existing one"), async (t) => {
    const memory = await create();
    const [original] = await memory.add([RATE_TRAIN]);
    const [again] = await memory.add([
      { text: RATE_TRAIN.text.toUpperCase().replace(/\.$/, "!"), sourceProblemIds: ["car", "train"], problemText: CAR },
    ]);
    t.true(again?.merged);
    t.is(again?.lesson.id, original?.lesson.id);
    t.deepEqual([...(again?.lesson.sourceProblemIds ?? [])].sort(), ["car", "train"], "union, no duplicates");
    t.is(again?.lesson.mergedCount, 1);
    t.deepEqual(await memory.stats(), { lessons: 1, merges: 1 });
    const stored = await memory.get(original?.lesson.id ?? "");
    t.deepEqual([...(stored?.sourceProblemIds ?? [])].sort(), ["car", "train"]);
    t.is(stored?.mergedCount, 1);
    // The merged lesson now counts "car" among its sources, so "car" no longer receives it.
    const forCar = await memory.search(CAR, { ...all, excludeProblemIds: ["car"] });
    t.false(forCar.some((h) => h.lesson.id === original?.lesson.id));
  });

  test(title("near-duplicates within one add call merge too"), async (t) => {
    const memory = await create();
    const results = await memory.add([RATE_TRAIN, { ...RATE_TRAIN, sourceProblemIds: ["bus"] }]);
    t.deepEqual(
      results.map((r) => r.merged),
      [false, true],
    );
    t.is(results[0]?.lesson.id, results[1]?.lesson.id);
    t.deepEqual(await memory.stats(), { lessons: 1, merges: 1 });
  });

  test(title("distinct lessons stay apart, even from the same problem"), async (t) => {
    const memory = await create();
    const results = await memory.add([RATE_TRAIN, { ...ANGLES, sourceProblemIds: ["train"], problemText: TRAIN }]);
    t.deepEqual(
      results.map((r) => r.merged),
      [false, false],
    );
    t.not(results[0]?.lesson.id, results[1]?.lesson.id);
    t.deepEqual(await memory.stats(), { lessons: 2, merges: 0 });
  });

  test(title("search counts a retrieval on each lesson it returns, and only those"), async (t) => {
    const memory = await create();
    const added = await memory.add(DRAFTS);
    const first = await memory.search(BUS, { ...all, k: 1 });
    await memory.search(BUS, { ...all, k: 1 });
    await memory.search(BUS, { ...all, k: 1, minScore: 1 }); // abstains: counts nothing
    const top = first[0]?.lesson.id ?? "";
    for (const { lesson } of added) {
      t.is((await memory.get(lesson.id))?.retrievals, lesson.id === top ? 2 : 0, lesson.text);
    }
  });

  test(title("recordUse keeps a running mean advantage per lesson"), async (t) => {
    const memory = await create();
    const [a, b, c] = (await memory.add(DRAFTS)).map((r) => r.lesson.id);
    await memory.recordUse([
      { lessonIds: [a ?? "", b ?? ""], advantage: 1 },
      { lessonIds: [a ?? ""], advantage: -0.5 },
    ]);
    await memory.recordUse([{ lessonIds: [a ?? ""], advantage: 0.25 }]);
    const lessonA = await memory.get(a ?? "");
    t.is(lessonA?.uses, 3);
    t.true(Math.abs((lessonA?.meanAdvantage ?? Number.NaN) - 0.25) < 1e-9);
    t.is((await memory.get(b ?? ""))?.uses, 1);
    t.is((await memory.get(b ?? ""))?.meanAdvantage, 1);
    t.is((await memory.get(c ?? ""))?.uses, 0);
    t.is((await memory.get(c ?? ""))?.meanAdvantage, null);
  });

  test(title("returned lessons are snapshots: mutating them changes nothing stored"), async (t) => {
    const memory = await create();
    const [added] = await memory.add([RATE_TRAIN]);
    const id = added?.lesson.id ?? "";
    added?.lesson.sourceProblemIds.push("mutated");
    const [hit] = await memory.search(TRAIN, all);
    if (hit) hit.lesson.text = "mutated";
    const got = await memory.get(id);
    if (got) got.retrievals = 999;
    const stored = await memory.get(id);
    t.deepEqual(stored?.sourceProblemIds, ["train"]);
    t.is(stored?.text, RATE_TRAIN.text);
    t.is(stored?.retrievals, 1);
  });

  test(title("invalid search options are rejected with a ConfigError naming the field"), async (t) => {
    const memory = await create();
    await memory.add(DRAFTS);
    for (const [field, options] of [
      ["k", { ...all, k: 0 }],
      ["k", { ...all, k: 1.5 }],
      ["k", { ...all, k: Number.NaN }],
      ["minScore", { ...all, minScore: 1.5 }],
      ["minScore", { ...all, minScore: -2 }],
      ["minScore", { ...all, minScore: Number.NaN }],
    ] as const) {
      const error = await t.throwsAsync(memory.search(BUS, options));
      t.true(ConfigError.isInstance(error), String(error));
      t.true((error as ConfigError).field.endsWith(field), `${(error as ConfigError).field} names ${field}`);
    }
  });

  test(title("flush resolves and keeps everything searchable"), async (t) => {
    const memory = await create();
    await memory.add(DRAFTS);
    await memory.flush();
    t.is((await memory.search(BUS, all)).length, DRAFTS.length);
  });
}

export const TRAIN = "A train travels at 60 miles per hour for 3 hours. How many miles does the train travel?";
export const CAR = "A car travels at 45 miles per hour for 2 hours. How many miles does the car travel?";
export const BUS = "A bus travels at 30 miles per hour for 4 hours. How many miles does the bus travel?";
export const HEXAGON = "What is the sum of the interior angles of a regular hexagon, in degrees?";
export const PIZZA = "Maria cuts a pizza into 8 slices and eats 3 of them. What fraction of the pizza is left?";

export const RATE_TRAIN: LessonDraft = {
  text: "Distance equals rate multiplied by time; multiply the speed by the number of hours.",
  sourceProblemIds: ["train"],
  problemText: TRAIN,
};
export const RATE_CAR: LessonDraft = {
  text: "When a speed is given per hour, convert every duration into hours first.",
  sourceProblemIds: ["car"],
  problemText: CAR,
};
export const ANGLES: LessonDraft = {
  text: "Interior angles of an n-sided polygon sum to (n - 2) * 180 degrees.",
  sourceProblemIds: ["hexagon"],
  problemText: HEXAGON,
};
export const FRACTIONS: LessonDraft = {
  text: "Subtract the eaten part from the whole before writing what remains as a fraction.",
  sourceProblemIds: ["pizza"],
  problemText: PIZZA,
};
export const DRAFTS: readonly LessonDraft[] = [RATE_TRAIN, RATE_CAR, ANGLES, FRACTIONS];
