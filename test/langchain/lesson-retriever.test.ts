import { Document } from "@langchain/core/documents";
import { ConfigError, type LessonMemory, type ScoredLesson } from "@lanpo/core";
import { LessonRetriever } from "@lanpo/langchain";
import test from "ava";
import { apples, cars, memoryWithCarLesson, trains } from "./helpers.ts";

test("returns Documents with similarity and provenance, most similar first", async (t) => {
  const memory = await memoryWithCarLesson();
  const retriever = new LessonRetriever({ memory, k: 3, minScore: 0.3, excludeProblemIds: [trains.id] });
  const docs = await retriever.invoke(trains.question);
  t.is(docs.length, 1);
  const [doc] = docs;
  t.true(doc instanceof Document);
  t.is(doc?.pageContent, "Distance equals speed multiplied by time; keep the units.");
  t.is(doc?.id, "lesson-1");
  t.deepEqual(doc?.metadata.sourceProblemIds, [cars.id]);
  t.is(doc?.metadata.problemText, cars.question);
  t.true((doc?.metadata.similarity ?? 0) >= 0.3 && (doc?.metadata.similarity ?? 2) <= 1);
});

test("abstains when nothing is relevant, and on an empty memory", async (t) => {
  const memory = await memoryWithCarLesson();
  t.deepEqual(await new LessonRetriever({ memory, minScore: 0.95 }).invoke(apples.question), []);
  t.deepEqual(await new LessonRetriever({ memory, minScore: 0.3 }).invoke(""), []);
  const { ExactLessonMemory, HashedLexicalEmbeddings } = await import("@lanpo/core");
  const empty = new ExactLessonMemory(new HashedLexicalEmbeddings());
  t.deepEqual(await new LessonRetriever({ memory: empty, minScore: 0 }).invoke(trains.question), []);
});

test("never returns a lesson of an excluded problem, by id or by question (twins included)", async (t) => {
  const memory = await memoryWithCarLesson();
  t.deepEqual(
    await new LessonRetriever({ memory, minScore: 0, excludeProblemIds: [cars.id] }).invoke(trains.question),
    [],
  );
  const twin = `  ${cars.question.toUpperCase()}  `;
  t.deepEqual(await new LessonRetriever({ memory, minScore: 0, excludeQuestions: [twin] }).invoke(trains.question), []);
  t.deepEqual(await new LessonRetriever({ memory, minScore: 0 }).invoke(twin), [], "the query's own twin");
});

test("a memory that ignores the exclusions or the threshold still cannot leak (checked again)", async (t) => {
  const lesson = {
    id: "l",
    text: "Some general lesson text.",
    sourceProblemIds: ["other-id"],
    problemText: cars.question,
    createdAtMs: 0,
    mergedCount: 0,
    retrievals: 0,
    meanAdvantage: null,
    uses: 0,
  };
  const careless: LessonMemory = {
    search: async (): Promise<ScoredLesson[]> => [
      { lesson, score: 0.99 },
      { lesson: { ...lesson, id: "low", problemText: "unrelated" }, score: 0.1 },
    ],
    add: async () => [],
    recordUse: async () => {},
    get: async () => undefined,
    stats: async () => ({ lessons: 1, merges: 0 }),
    flush: async () => {},
  };
  t.deepEqual(await new LessonRetriever({ memory: careless, minScore: 0.5 }).invoke(cars.question), []);
  const docs = await new LessonRetriever({ memory: careless, minScore: 0.5 }).invoke(trains.question);
  t.deepEqual(
    docs.map((d) => d.id),
    ["l"],
  );
});

test("passes k, minScore and exclusions to the memory; an unreachable memory's error surfaces", async (t) => {
  const seen: unknown[] = [];
  const failing = {
    search: async (q: string, o: unknown) => {
      seen.push([q, o]);
      throw new Error("memory unreachable");
    },
  } as unknown as LessonMemory;
  const retriever = new LessonRetriever({ memory: failing, k: 2, minScore: 0.5, excludeProblemIds: ["p"] });
  await t.throwsAsync(retriever.invoke("What is 3 + 4?"), { message: "memory unreachable" });
  t.deepEqual(seen, [
    ["What is 3 + 4?", { k: 2, minScore: 0.5, excludeProblemIds: ["p"], excludeQuestionKeys: ["what is 3 + 4"] }],
  ]);
});

test("bad options are ConfigErrors; minScore defaults to the memory's suggestion, else 0.9", async (t) => {
  const memory = await memoryWithCarLesson();
  t.true(ConfigError.isInstance(t.throws(() => new LessonRetriever({ memory, k: 0 }))));
  t.true(ConfigError.isInstance(t.throws(() => new LessonRetriever({ memory, minScore: 2 }))));
  t.true(ConfigError.isInstance(t.throws(() => new LessonRetriever({ memory: {} as never }))));
  t.is(new LessonRetriever({ memory }).minScore, memory.suggestedMinScore ?? 0.9);
  const plain = { search: async () => [] } as unknown as LessonMemory;
  t.is(new LessonRetriever({ memory: plain }).minScore, 0.9);
  const suggested = Object.assign(Object.create(memory), { suggestedMinScore: 0.42 });
  t.is(new LessonRetriever({ memory: suggested }).minScore, 0.42);
});
