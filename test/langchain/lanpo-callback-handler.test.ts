import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { RunnableLambda, RunnableSequence } from "@langchain/core/runnables";
import { fakeModel } from "@langchain/core/testing";
import { tool } from "@langchain/core/tools";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { type ExperiencePool, InMemoryExperiencePool } from "@lanpo/core";
import { type ChainTrial, LanpoCallbackHandler, taskIdOf } from "@lanpo/langchain";
import test from "ava";
import { createAgent } from "langchain";
import { z } from "zod";
import { trains } from "./helpers.ts";

function sequence(failAfterModel: boolean) {
  return RunnableSequence.from([
    RunnableLambda.from((input: { question: string }) => [new HumanMessage(input.question)]),
    new FakeListChatModel({ responses: ["It travels 180 miles."] }),
    RunnableLambda.from((message: AIMessage) => {
      if (failAfterModel) throw new Error("parser exploded halfway");
      return { answer: message.text };
    }),
  ]);
}

test("a RunnableSequence that throws halfway: the error, the run id and the model call are recorded", async (t) => {
  const pool = new InMemoryExperiencePool();
  const handler = new LanpoCallbackHandler({ pool });
  await t.throwsAsync(sequence(true).invoke({ question: trains.question }, { callbacks: [handler] }), {
    message: "parser exploded halfway",
  });
  await handler.flush();
  t.is(handler.trials.length, 1);
  const [trial] = handler.trials as [ChainTrial];
  t.deepEqual(trial.error, { name: "Error", message: "parser exploded halfway" });
  t.is(trial.outputs, undefined);
  t.deepEqual(trial.inputs, { question: trains.question });
  t.is(trial.modelCalls.length, 1);
  t.deepEqual(trial.modelCalls[0]?.messages, [{ role: "user", content: trains.question }]);
  t.is(trial.modelCalls[0]?.output, "It travels 180 miles.");
  t.regex(trial.runId, /^[0-9a-f-]{36}$/);
  t.true(trial.childRunIds.length >= 3);
  const [rollout] = await pool.rolloutsOfGroup(taskIdOf(trains.question), 0);
  t.is(rollout?.status, "failed");
  t.is(rollout?.reward, null);
  t.is(rollout?.error, "Error: parser exploded halfway");
  t.true(rollout?.id.startsWith(trial.runId));
});

test("a successful run in background mode: outputs recorded once flushed, scored by reward, steps advance", async (t) => {
  const pool = new InMemoryExperiencePool();
  const seen: string[] = [];
  const handler = new LanpoCallbackHandler({
    pool,
    reward: (_trial, task) => (task.id === taskIdOf(trains.question) ? 1 : 0),
    onTrial: (trial) => {
      seen.push(trial.runId);
    },
  });
  t.is(process.env.LANGCHAIN_CALLBACKS_BACKGROUND, undefined, "handlers run in the background");
  for (let i = 0; i < 2; i++) await sequence(false).invoke({ question: trains.question }, { callbacks: [handler] });
  await handler.flush();
  t.is(seen.length, 2);
  t.deepEqual(handler.trials[0]?.outputs, { answer: "It travels 180 miles." });
  const groups = await Promise.all([0, 1].map((s) => pool.rolloutsOfGroup(taskIdOf(trains.question), s)));
  t.deepEqual(
    groups.map((g) => [g[0]?.status, g[0]?.reward, g[0]?.completion]),
    [
      ["ok", 1, "It travels 180 miles."],
      ["ok", 1, "It travels 180 miles."],
    ],
  );
});

test("an agent run: model and tool calls land in one trial", async (t) => {
  const multiply = tool(async ({ a, b }: { a: number; b: number }) => String(a * b), {
    name: "multiply",
    description: "Multiply two numbers",
    schema: z.object({ a: z.number(), b: z.number() }),
  });
  const model = fakeModel()
    .respondWithTools([{ name: "multiply", args: { a: 60, b: 3 }, id: "c1" }])
    .respond(new AIMessage("180 miles"));
  const handler = new LanpoCallbackHandler();
  const agent = createAgent({ model, tools: [multiply] });
  await agent.invoke({ messages: [new HumanMessage(trains.question)] }, { callbacks: [handler] });
  await handler.flush();
  t.is(handler.trials.length, 1);
  const [trial] = handler.trials as [ChainTrial];
  t.is(trial.modelCalls.length, 2);
  t.deepEqual(
    trial.toolCalls.map((c) => [c.name, c.error]),
    [["multiply", undefined]],
  );
  t.is(trial.modelCalls[1]?.output, "180 miles");
});

test("a pool write that fails never fails the chain; it is reported", async (t) => {
  const failures: string[] = [];
  const pool = { recordGroup: async () => Promise.reject(new Error("disk full")) } as unknown as ExperiencePool;
  const handler = new LanpoCallbackHandler({ pool, onFailure: (e) => failures.push((e as Error).message) });
  const out = await sequence(false).invoke({ question: trains.question }, { callbacks: [handler] });
  t.deepEqual(out, { answer: "It travels 180 miles." });
  await handler.flush();
  t.deepEqual(failures, ["disk full"]);
  t.is(handler.trials.length, 1);
});

test("inputs with no task are kept in trials but not written to the pool; values are made JSON-safe", async (t) => {
  const pool = new InMemoryExperiencePool();
  const handler = new LanpoCallbackHandler({ pool, maxTrials: 1 });
  const cyclic: Record<string, unknown> = { n: 1 };
  cyclic.self = cyclic;
  const chain = RunnableLambda.from((x: unknown) => ({ echo: x, fn: () => 1 }));
  await chain.invoke(cyclic, { callbacks: [handler] });
  await chain.invoke({ n: 2 }, { callbacks: [handler] });
  await handler.flush();
  t.is(handler.trials.length, 1, "maxTrials keeps the newest");
  t.deepEqual(handler.trials[0]?.outputs, { echo: { n: 2 } });
  t.is((await pool.stats()).groups, 0);
  t.notThrows(() => JSON.stringify(handler.trials));
});

test("a chat model invoked on its own is a trial too, with its usage", async (t) => {
  const handler = new LanpoCallbackHandler();
  const model = new FakeListChatModel({ responses: ["hello"] });
  await model.invoke([new HumanMessage("hi")], { callbacks: [handler] });
  const failing = new FakeListChatModel({ responses: ["x"] });
  await t.throwsAsync(
    failing.invoke([new HumanMessage("hi")], { callbacks: [handler], thrownErrorString: "model down" } as never),
  );
  await handler.flush();
  t.deepEqual(
    handler.trials.map((trial) => [trial.modelCalls[0]?.output ?? null, trial.error?.message ?? null]),
    [
      ["hello", null],
      [null, "model down"],
    ],
  );
});

test("without a reward, or when it returns null, a run is stored unscored (no reward), never as a failure scored 0", async (t) => {
  for (const reward of [undefined, () => null]) {
    const pool = new InMemoryExperiencePool();
    const handler = new LanpoCallbackHandler({ pool, ...(reward ? { reward } : {}) });
    await sequence(false).invoke({ question: trains.question }, { callbacks: [handler] });
    await handler.flush();
    const [stored] = await pool.rolloutsOfGroup(taskIdOf(trains.question), 0);
    t.deepEqual([stored?.status, stored?.reward, stored?.advantage], ["unscored", null, null]);
    t.like(await pool.stats(), { failedRollouts: 0, unscoredRollouts: 1 });
  }
});
