// LessonRetriever as LangChain code uses a BaseRetriever: piped into a chain, batched, traced by
// callbacks, wrapped as a tool; and its exclusion options checked at construction.
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import type { Document } from "@langchain/core/documents";
import { AIMessage } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnableLambda, RunnablePassthrough, RunnableSequence } from "@langchain/core/runnables";
import { fakeModel } from "@langchain/core/testing";
import { ExactLessonMemory, HashedLexicalEmbeddings, type LessonMemory } from "@lanpo/core";
import { LessonRetriever } from "@lanpo/langchain";
import test from "ava";
import { z } from "zod";
import { apples, cars, trains } from "./helpers.ts";

const bikes = "A bike travels at 12 miles per hour for 2 hours. How far does the bike travel?";

async function memory(): Promise<ExactLessonMemory> {
  let n = 0;
  const m = new ExactLessonMemory(new HashedLexicalEmbeddings(), { generateId: () => `lesson-${++n}` });
  await m.add([
    { text: "Distance equals speed multiplied by time.", sourceProblemIds: [cars.id], problemText: cars.question },
    { text: "Write the rate and the time before multiplying.", sourceProblemIds: ["p-bikes"], problemText: bikes },
    { text: "Check the direction of travel when adding.", sourceProblemIds: [trains.id], problemText: trains.question },
  ]);
  return m;
}

test("piped into a RAG-style chain: the model is shown lessons from other problems only", async (t) => {
  const retriever = new LessonRetriever({ memory: await memory(), k: 3, minScore: 0.3 });
  const model = fakeModel().respond(new AIMessage("180 miles"));
  const chain = RunnableSequence.from([
    {
      lessons: retriever.pipe(
        RunnableLambda.from((docs: Document[]) => docs.map((d) => `- ${d.pageContent}`).join("\n")),
      ),
      question: new RunnablePassthrough(),
    },
    ChatPromptTemplate.fromMessages([
      ["system", "Lessons:\n{lessons}"],
      ["human", "{question}"],
    ]),
    model,
    new StringOutputParser(),
  ]);
  t.is(await chain.invoke(trains.question), "180 miles");
  const system = model.calls[0]?.messages[0]?.text ?? "";
  t.true(system.includes("Distance equals speed multiplied by time."));
  t.true(system.includes("Write the rate and the time before multiplying."));
  t.false(system.includes("Check the direction of travel"), "the query's own lesson");
});

test("batch: each query gets its own documents, an unrelated one none", async (t) => {
  const retriever = new LessonRetriever({ memory: await memory(), k: 3, minScore: 0.3 });
  const [forTrains, forApples, forCars] = await retriever.batch([trains.question, apples.question, cars.question]);
  t.deepEqual(forTrains?.map((d) => d.id).sort(), ["lesson-1", "lesson-2"]);
  t.deepEqual(forApples, []);
  t.false(forCars?.some((d) => d.metadata.sourceProblemIds.includes(cars.id)));
});

test("retriever callbacks fire with the documents, and with the error of an unreachable memory", async (t) => {
  const seen: string[] = [];
  class Spy extends BaseCallbackHandler {
    name = "spy";
    override handleRetrieverStart(_r: unknown, query: string) {
      seen.push(`start ${query.slice(0, 7)}`);
    }
    override handleRetrieverEnd(docs: Document[]) {
      seen.push(`end ${docs.length}`);
    }
    override handleRetrieverError(error: Error) {
      seen.push(`error ${error.message}`);
    }
  }
  await new LessonRetriever({ memory: await memory(), minScore: 0.3 }).invoke(trains.question, {
    callbacks: [new Spy()],
  });
  const broken = {
    search: async () => {
      throw new Error("memory unreachable");
    },
  } as unknown as LessonMemory;
  await t.throwsAsync(
    new LessonRetriever({ memory: broken, minScore: 0.3 }).invoke("Any question?", { callbacks: [new Spy()] }),
    { message: "memory unreachable" },
  );
  await awaitAllCallbacks();
  t.deepEqual(seen, ["start A train", "end 2", "start Any que", "error memory unreachable"]);
});

test("asTool: an agent can call the retriever as a tool", async (t) => {
  const retriever = new LessonRetriever({ memory: await memory(), k: 1, minScore: 0.3 });
  const lessons = retriever.asTool({ name: "lessons", description: "Lessons for a problem", schema: z.string() });
  const docs = (await lessons.invoke(trains.question)) as Document[];
  t.is(docs.length, 1);
  t.is(typeof docs[0]?.metadata.similarity, "number");
});

test("exclusion lists that are not arrays of strings are ConfigErrors (a lone id would exclude nothing)", async (t) => {
  const m = await memory();
  for (const [field, value] of [
    ["excludeProblemIds", cars.id],
    ["excludeProblemIds", [1, 2]],
    ["excludeQuestions", cars.question],
    ["excludeQuestions", [null]],
  ] as const) {
    const error = t.throws(() => new LessonRetriever({ memory: m, [field]: value } as never));
    t.is((error as { field?: string }).field, field);
  }
});
