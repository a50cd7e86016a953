// The retriever and the middleware over @lanpo/memory's HNSW lesson memory (same LessonMemory
// interface as core's ExactLessonMemory used elsewhere in these tests).
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { HashedLexicalEmbeddings, InMemoryExperiencePool } from "@lanpo/core";
import { LessonRetriever, lanpoMiddleware } from "@lanpo/langchain";
import { HnswLessonMemory } from "@lanpo/memory";
import test from "ava";
import { createAgent } from "langchain";
import { cars, trains } from "./helpers.ts";

const LESSON = "Distance equals speed multiplied by time; keep the units.";

async function hnswWithCarLesson(): Promise<HnswLessonMemory> {
  const memory = await HnswLessonMemory.open({ embeddings: new HashedLexicalEmbeddings() });
  await memory.add([{ text: LESSON, sourceProblemIds: [cars.id], problemText: cars.question }]);
  return memory;
}

test("LessonRetriever over the HNSW memory: the lesson for a similar problem, none for its own problem or twin", async (t) => {
  const memory = await hnswWithCarLesson();
  const docs = await new LessonRetriever({ memory, minScore: 0.3 }).invoke(trains.question);
  t.deepEqual(
    docs.map((d) => d.pageContent),
    [LESSON],
  );
  t.true((docs[0]?.metadata.similarity ?? 0) >= 0.3);
  t.deepEqual(await new LessonRetriever({ memory, minScore: 0 }).invoke(cars.question.toUpperCase()), []);
  t.deepEqual(
    await new LessonRetriever({ memory, minScore: 0, excludeProblemIds: [cars.id] }).invoke(trains.question),
    [],
  );
});

test("lanpoMiddleware over the HNSW memory shows the lesson", async (t) => {
  const model = fakeModel().respond(new AIMessage("180 miles"));
  await createAgent({
    model,
    tools: [],
    middleware: [
      lanpoMiddleware({ memory: await hnswWithCarLesson(), pool: new InMemoryExperiencePool(), minScore: 0.3 }),
    ],
  }).invoke({ messages: [new HumanMessage(trains.question)] });
  t.true((model.calls[0]?.messages.find((m) => m.getType() === "system")?.text ?? "").includes(LESSON));
});
