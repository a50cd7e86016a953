// LanpoCallbackHandler on the runs LangChain users make: nested, concurrent, streamed, with
// retrievers and completion models, and with a reward or sink that fails.
import { Document } from "@langchain/core/documents";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnableLambda, RunnableSequence } from "@langchain/core/runnables";
import { FakeListChatModel, FakeLLM, FakeRetriever } from "@langchain/core/utils/testing";
import { InMemoryExperiencePool } from "@lanpo/core";
import { type ChainTrial, LanpoCallbackHandler, taskIdOf } from "@lanpo/langchain";
import test from "ava";

const prompt = ChatPromptTemplate.fromMessages([["human", "{question}"]]);

function answering(...responses: string[]) {
  return RunnableSequence.from([prompt, new FakeListChatModel({ responses, sleep: 2 }), new StringOutputParser()]);
}

test("a chain invoked inside another (config passed on) is one trial holding the inner model call", async (t) => {
  const handler = new LanpoCallbackHandler();
  const inner = answering("inner answer");
  const outer = RunnableSequence.from([
    RunnableLambda.from(async (input: { question: string }, config) => inner.invoke(input, config)),
    RunnableLambda.from((text: string) => text.toUpperCase()),
  ]);
  t.is(await outer.invoke({ question: "Nested?" }, { callbacks: [handler] }), "INNER ANSWER");
  await handler.flush();
  t.is(handler.trials.length, 1);
  const [trial] = handler.trials as [ChainTrial];
  t.deepEqual(trial.outputs, { output: "INNER ANSWER" }, "as LangChain reports a string output");
  t.is(trial.modelCalls.length, 1);
  t.is(trial.modelCalls[0]?.output, "inner answer");
  t.true(trial.childRunIds.length >= 5);
});

test("concurrent runs (batch, and twenty invokes at once) are kept apart", async (t) => {
  const pool = new InMemoryExperiencePool();
  const handler = new LanpoCallbackHandler({ pool });
  const questions = ["Q one?", "Q two?", "Q three?"];
  const outputs = await answering("a1", "b2", "c3").batch(
    questions.map((question) => ({ question })),
    { callbacks: [handler] },
  );
  await handler.flush();
  t.is(handler.trials.length, 3);
  for (const trial of handler.trials) {
    const { question } = trial.inputs as { question: string };
    t.is(trial.modelCalls.length, 1);
    t.is(trial.modelCalls[0]?.messages.at(-1)?.content, question);
    t.is((trial.outputs as { output?: string }).output, trial.modelCalls[0]?.output);
    t.true(outputs.includes(String(trial.modelCalls[0]?.output)));
  }
  for (const question of questions) t.is((await pool.rolloutsOfGroup(taskIdOf(question), 0)).length, 1);

  const many = new LanpoCallbackHandler();
  const chain = answering("x");
  await Promise.all(Array.from({ length: 20 }, (_, i) => chain.invoke({ question: `Q${i}` }, { callbacks: [many] })));
  await many.flush();
  t.is(many.trials.length, 20);
  t.true(many.trials.every((trial) => trial.modelCalls.length === 1));
});

test("stream and streamEvents runs are one trial each, with the whole output", async (t) => {
  const handler = new LanpoCallbackHandler();
  let streamed = "";
  for await (const chunk of await answering("streamed answer").stream(
    { question: "Stream?" },
    { callbacks: [handler] },
  )) {
    streamed += chunk;
  }
  for await (const _ of answering("event answer").streamEvents(
    { question: "Events?" },
    { version: "v2", callbacks: [handler] },
  )) {
  }
  await handler.flush();
  t.is(streamed, "streamed answer");
  t.deepEqual(
    handler.trials.map((trial) => trial.outputs),
    [{ output: "streamed answer" }, { output: "event answer" }],
  );
});

test("a retriever and a completion (non-chat) model inside a chain: children of the run, the model call recorded", async (t) => {
  const handler = new LanpoCallbackHandler();
  const retriever = new FakeRetriever({ output: [new Document({ pageContent: "a document" })] });
  const chain = RunnableSequence.from([
    RunnableLambda.from((question: string) => question),
    retriever,
    RunnableLambda.from((docs: Document[]) => `Context: ${docs[0]?.pageContent}`),
    new FakeLLM({}),
  ]);
  t.is(await chain.invoke("What?", { callbacks: [handler] }), "Context: a document");
  await handler.flush();
  t.is(handler.trials.length, 1);
  const [trial] = handler.trials as [ChainTrial];
  t.deepEqual(trial.modelCalls[0]?.messages, [{ role: "user", content: "Context: a document" }]);
  t.is(trial.modelCalls[0]?.output, "Context: a document");
  t.true(trial.childRunIds.length >= 4);

  const alone = new LanpoCallbackHandler();
  await retriever.invoke("on its own", { callbacks: [alone] });
  await new FakeLLM({}).invoke("a prompt", { callbacks: [alone] });
  await alone.flush();
  t.deepEqual(
    alone.trials.map((trial) => trial.inputs),
    ["on its own", "a prompt"],
  );
  t.is(alone.trials[1]?.modelCalls.length, 1);
});

test("a reward that throws, returns NaN or never answers: reported, and the trial stored unscored", async (t) => {
  const rewards = [
    () => {
      throw new Error("judge down");
    },
    () => Number.NaN,
    () => new Promise<number>(() => {}),
  ];
  for (const reward of rewards) {
    const pool = new InMemoryExperiencePool();
    const failures: unknown[] = [];
    const handler = new LanpoCallbackHandler({ pool, reward, timeoutMs: 50, onFailure: (e) => failures.push(e) });
    t.is(await answering("an answer").invoke({ question: "Scored?" }, { callbacks: [handler] }), "an answer");
    await handler.flush();
    t.is(failures.length, 1);
    const [rollout] = await pool.rolloutsOfGroup(taskIdOf("Scored?"), 0);
    t.is(rollout?.status, "unscored");
    t.is(rollout?.reward, null);
  }
});

test("a pool write that never answers and an onTrial that throws: flush returns, both reported, the pool still written", async (t) => {
  const failures: string[] = [];
  const hanging = new InMemoryExperiencePool();
  hanging.recordGroup = () => new Promise(() => {});
  const slow = new LanpoCallbackHandler({
    pool: hanging,
    timeoutMs: 50,
    onFailure: (e) => failures.push(String(e)),
  });
  await answering("x").invoke({ question: "Hang?" }, { callbacks: [slow] });
  await slow.flush();
  t.is(failures.length, 1);
  t.regex(failures[0] as string, /timeoutMs \(50 ms\)/);

  const pool = new InMemoryExperiencePool();
  const sink = new LanpoCallbackHandler({
    pool,
    onTrial: () => {
      throw new Error("sink down");
    },
    onFailure: (e) => failures.push(String(e)),
  });
  await answering("y").invoke({ question: "Sink?" }, { callbacks: [sink] });
  await sink.flush();
  t.is(failures[1], "Error: sink down");
  t.is((await pool.rolloutsOfGroup(taskIdOf("Sink?"), 0)).length, 1);
});

test("options that are not functions or valid numbers are ConfigErrors naming the field", (t) => {
  for (const field of ["task", "completion", "reward", "onTrial", "onFailure"]) {
    const error = t.throws(() => new LanpoCallbackHandler({ [field]: 5 } as never));
    t.is((error as { field?: string }).field, field);
  }
  for (const timeoutMs of [0, 1.5, Number.NaN]) {
    const error = t.throws(() => new LanpoCallbackHandler({ timeoutMs }));
    t.is((error as { field?: string }).field, "timeoutMs");
  }
});
