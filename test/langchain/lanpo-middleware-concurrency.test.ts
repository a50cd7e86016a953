// lanpoMiddleware with runs at once, streaming, and other ways LangChain users drive createAgent.
import { AIMessage, type BaseMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { tool } from "@langchain/core/tools";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { InMemoryExperiencePool } from "@lanpo/core";
import { lanpoMiddleware, taskIdOf } from "@lanpo/langchain";
import test from "ava";
import { createAgent, createMiddleware, dynamicSystemPromptMiddleware, toolStrategy } from "langchain";
import { z } from "zod";
import { memoryWithCarLesson, trains } from "./helpers.ts";

const LESSON = "Distance equals speed multiplied by time; keep the units.";
const quiet = { onFailure: () => {} };

const multiply = tool(async ({ a, b }: { a: number; b: number }) => String(a * b), {
  name: "multiply",
  description: "Multiply two numbers",
  schema: z.object({ a: z.number(), b: z.number() }),
});

function systemOf(messages: BaseMessage[]): BaseMessage | undefined {
  return messages.find((m) => m.getType() === "system");
}

async function allRollouts(pool: InMemoryExperiencePool) {
  const all = [];
  for (let step = 0; step < 5; step++) all.push(...(await pool.rolloutsOfStep(step)));
  return all;
}

test("the same HumanMessage sent to concurrent runs (several attempts at one task): one trial each", async (t) => {
  const pool = new InMemoryExperiencePool();
  const agent = createAgent({
    model: new FakeListChatModel({ responses: ["180 miles."], sleep: 5 }),
    tools: [],
    middleware: [lanpoMiddleware({ memory: await memoryWithCarLesson(), pool, minScore: 0.3, ...quiet })],
  });
  const shared = new HumanMessage(trains.question);
  await Promise.all([1, 2, 3].map(() => agent.invoke({ messages: [shared] })));
  const rollouts = await allRollouts(pool);
  t.is(rollouts.length, 3);
  t.true(rollouts.every((r) => r.problemId === taskIdOf(trains.question) && r.lessonIds.length === 1));
  t.deepEqual(rollouts.map((r) => r.step).sort(), [0, 1, 2]);
});

test("concurrent runs whose messages carry the same id but different tasks keep their own tasks", async (t) => {
  const pool = new InMemoryExperiencePool();
  const agent = createAgent({
    model: new FakeListChatModel({ responses: ["done"], sleep: 5 }),
    tools: [],
    middleware: [lanpoMiddleware({ memory: await memoryWithCarLesson(), pool, minScore: 0.3, ...quiet })],
  });
  const other = "Sara has 12 apples and gives away 5 apples. How many apples does Sara have left?";
  await Promise.all([
    agent.invoke({ messages: [new HumanMessage({ content: trains.question, id: "same-id" })] }),
    agent.invoke({ messages: [new HumanMessage({ content: other, id: "same-id" })] }),
  ]);
  const ids = (await allRollouts(pool)).map((r) => r.problemId).sort();
  t.deepEqual(ids, [taskIdOf(trains.question), taskIdOf(other)].sort());
});

test("the review is not streamed as the agent's message (streamMode messages)", async (t) => {
  const pool = new InMemoryExperiencePool();
  const model = fakeModel()
    .respond(new AIMessage("first answer"))
    .respond(new AIMessage("REVIEW OF THE EARLIER ATTEMPT"))
    .respond(new AIMessage("second answer"));
  const agent = createAgent({
    model,
    tools: [],
    middleware: [lanpoMiddleware({ memory: await memoryWithCarLesson(), pool, minScore: 0.3, ...quiet })],
  });
  await agent.invoke({ messages: [new HumanMessage(trains.question)] });
  const streamed: string[] = [];
  for await (const [message] of await agent.stream(
    { messages: [new HumanMessage(trains.question)] },
    { streamMode: "messages" },
  )) {
    streamed.push((message as BaseMessage).text);
  }
  t.deepEqual(streamed, ["second answer"]);
  t.true(systemOf(model.calls[2]?.messages ?? [])?.text.includes("REVIEW OF THE EARLIER ATTEMPT"));
});

test("agent.stream and streamEvents runs are recorded like invoke runs", async (t) => {
  const pool = new InMemoryExperiencePool();
  const memory = await memoryWithCarLesson();
  const make = () =>
    createAgent({
      model: fakeModel()
        .respondWithTools([{ name: "multiply", args: { a: 60, b: 3 } }])
        .respond(new AIMessage("180 miles.")),
      tools: [multiply],
      middleware: [lanpoMiddleware({ memory, pool, minScore: 0.3, ...quiet })],
    });
  for await (const _ of await make().stream(
    { messages: [new HumanMessage(trains.question)] },
    { streamMode: ["updates", "values"] },
  )) {
  }
  for await (const _ of make().streamEvents({ messages: [new HumanMessage(trains.question)] }, { version: "v2" })) {
  }
  const rollouts = await allRollouts(pool);
  t.is(rollouts.length, 2);
  t.true(rollouts.every((r) => r.completion === "180 miles." && r.lessonIds.length === 1));
});

test("a SystemMessage prompt keeps its blocks (cache_control included) and LANPO's text comes after", async (t) => {
  const model = new FakeListChatModel({ responses: ["ok"] });
  const seen: BaseMessage[] = [];
  const spy = createMiddleware({
    name: "Spy",
    wrapModelCall: async (request, handler) => {
      seen.push(request.systemMessage);
      return handler(request);
    },
  });
  const systemPrompt = new SystemMessage({
    content: [
      { type: "text", text: "Block one." },
      { type: "text", text: "Block two.", cache_control: { type: "ephemeral" } } as never,
    ],
  });
  const agent = createAgent({
    model,
    tools: [],
    systemPrompt,
    middleware: [
      lanpoMiddleware({ memory: await memoryWithCarLesson(), pool: new InMemoryExperiencePool(), minScore: 0.3 }),
      spy,
    ],
  });
  await agent.invoke({ messages: [new HumanMessage(trains.question)] });
  const blocks = seen[0]?.content as { type: string; text: string; cache_control?: unknown }[];
  t.deepEqual(blocks.slice(0, 2), systemPrompt.content as never);
  t.true(blocks.slice(2).some((b) => b.text.includes(LESSON)));
});

for (const order of ["lanpo first", "lanpo last"] as const) {
  test(`composes with dynamicSystemPromptMiddleware and a middleware that sets the systemPrompt string (${order})`, async (t) => {
    const model = fakeModel()
      .respondWithTools([{ name: "multiply", args: { a: 60, b: 3 } }])
      .respond(new AIMessage("180 miles."));
    const pool = new InMemoryExperiencePool();
    const lanpo = lanpoMiddleware({ memory: await memoryWithCarLesson(), pool, minScore: 0.3, ...quiet });
    const dynamic = dynamicSystemPromptMiddleware(() => "[dynamic]");
    const legacy = createMiddleware({
      name: "LegacyPrompt",
      wrapModelCall: async (request, handler) =>
        handler({ ...request, systemPrompt: `${request.systemPrompt}\n[legacy]` }),
    });
    const agent = createAgent({
      model,
      tools: [multiply],
      systemPrompt: "Base.",
      middleware: order === "lanpo first" ? [lanpo, legacy, dynamic] : [legacy, dynamic, lanpo],
    });
    const result = await agent.invoke({ messages: [new HumanMessage(trains.question)] });
    t.is(result.messages.at(-1)?.text, "180 miles.");
    for (const call of model.calls) {
      const system = systemOf(call.messages)?.text ?? "";
      t.true(system.startsWith("Base."));
      for (const part of [LESSON, "[legacy]", "[dynamic]"]) t.true(system.includes(part), part);
    }
    t.is((await pool.rolloutsOfStep(0)).length, 1);
  });
}

test("an agent with a responseFormat: the trial's completion is its structured response, as JSON", async (t) => {
  const pool = new InMemoryExperiencePool();
  const seen: unknown[] = [];
  const schema = z.object({ miles: z.number() }).meta({ title: "extract" });
  const model = fakeModel().respond(
    new AIMessage({ content: "", tool_calls: [{ name: "extract", args: { miles: 180 }, id: "c1" }] }),
  );
  const agent = createAgent({
    model,
    tools: [],
    responseFormat: toolStrategy(schema) as never,
    middleware: [
      lanpoMiddleware({
        memory: await memoryWithCarLesson(),
        pool,
        minScore: 0.3,
        reward: (trial) => {
          seen.push(trial.structuredResponse);
          return 1;
        },
        ...quiet,
      }),
    ],
  });
  const result = await agent.invoke({ messages: [new HumanMessage(trains.question)] });
  t.deepEqual(result.structuredResponse, { miles: 180 });
  t.deepEqual(seen, [{ miles: 180 }]);
  const [rollout] = await pool.rolloutsOfStep(0);
  t.is(rollout?.completion, '{"miles":180}');
  t.is(rollout?.status, "ok");
});
