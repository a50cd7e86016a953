// How lanpoMiddleware records trials: in afterAgent, whichever way the run ended, and without a
// reward as `unscored` (no reward, no advantage), never as a failure scored 0.
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { tool } from "@langchain/core/tools";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { InMemoryExperiencePool, isScored, type LanpoError, SqliteExperiencePool } from "@lanpo/core";
import { type LanpoFailure, lanpoMiddleware, taskIdOf } from "@lanpo/langchain";
import test from "ava";
import { createAgent, createMiddleware } from "langchain";
import { z } from "zod";
import { memoryWithCarLesson, trains } from "./helpers.ts";

const multiply = tool(async ({ a, b }: { a: number; b: number }) => String(a * b), {
  name: "multiply",
  description: "Multiply two numbers",
  schema: z.object({ a: z.number(), b: z.number() }),
});

const lookup = tool(async () => "The timetable says 180 miles.", {
  name: "timetable",
  description: "Look the distance up; its answer is final",
  schema: z.object({}),
  returnDirect: true,
});

test("without a reward the trial is stored unscored: no reward, no advantage, no lesson value, yet a prior attempt", async (t) => {
  for (const pool of [new InMemoryExperiencePool(), SqliteExperiencePool.open(":memory:")]) {
    const memory = await memoryWithCarLesson();
    const reviewer = new FakeListChatModel({ responses: ["Say which quantity the product is."] });
    const middleware = lanpoMiddleware({ memory, pool, minScore: 0.3, reflect: reviewer, onFailure: () => {} });
    await createAgent({
      model: fakeModel().respond(new AIMessage("It is 180 miles.")),
      tools: [],
      middleware: [middleware],
    }).invoke({
      messages: [new HumanMessage(trains.question)],
    });
    const [first] = await pool.rolloutsOfGroup(taskIdOf(trains.question), 0);
    t.is(first?.status, "unscored");
    t.is(first?.reward, null);
    t.is(first?.advantage, null);
    t.false(isScored(first as NonNullable<typeof first>));
    t.like(await pool.stats(), { rollouts: 1, failedRollouts: 0, unscoredRollouts: 1 });
    t.is((await memory.get("lesson-1"))?.uses, 0, "an unscored trial measures nothing about the lessons it was shown");

    // The next run of the task still gets a review of that attempt: reflection never needs a reward.
    const model = fakeModel().respond(new AIMessage("180 miles."));
    await createAgent({ model, tools: [], middleware: [middleware] }).invoke({
      messages: [new HumanMessage(trains.question)],
    });
    const system = model.calls[0]?.messages.find((m) => m.getType() === "system")?.text ?? "";
    t.true(system.includes("<attempt>\nIt is 180 miles.\n</attempt>"));
    t.true(system.includes("Say which quantity the product is."));
    await pool.close();
  }
});

test("a reward that returns null or throws leaves the trial unscored; the throw is reported; an empty answer is scored 0", async (t) => {
  const pool = new InMemoryExperiencePool();
  const failures: LanpoFailure[] = [];
  const replies = ["I cannot tell.", "Maybe 180.", ""];
  const rewards = [
    () => null,
    () => {
      throw new Error("grader offline");
    },
    () => 1,
  ];
  for (const [i, reply] of replies.entries()) {
    const middleware = lanpoMiddleware({
      memory: await memoryWithCarLesson(),
      pool,
      reflect: false,
      reward: rewards[i] as () => number | null,
      onFailure: (f) => failures.push(f),
    });
    await createAgent({ model: fakeModel().respond(new AIMessage(reply)), tools: [], middleware: [middleware] }).invoke(
      {
        messages: [new HumanMessage(`${trains.question} (${i})`)],
      },
    );
  }
  const stored = await Promise.all(
    replies.map(async (_, i) => (await pool.rolloutsOfGroup(taskIdOf(`${trains.question} (${i})`), 0))[0]),
  );
  t.deepEqual(
    stored.map((r) => [r?.status, r?.reward, r?.advantage]),
    [
      ["unscored", null, null],
      ["unscored", null, null],
      ["empty", 0, 0],
    ],
  );
  t.deepEqual(
    failures.map((f) => [f.stage, (f.error as Error).message]),
    [["reward", "grader offline"]],
  );
});

test("recorded in afterAgent: a run a tool ends (returnDirect) is a trial whose answer is the tool's output", async (t) => {
  const pool = new InMemoryExperiencePool();
  const answers: string[] = [];
  const middleware = lanpoMiddleware({
    memory: await memoryWithCarLesson(),
    pool,
    reflect: false,
    reward: (trial) => {
      answers.push(trial.completion);
      return 1;
    },
    onFailure: () => {},
  });
  const model = fakeModel().respondWithTools([{ name: "timetable", args: {}, id: "call-1" }]);
  const result = await createAgent({ model, tools: [lookup, multiply], middleware: [middleware] }).invoke({
    messages: [new HumanMessage(trains.question)],
  });
  t.is(result.messages.at(-1)?.getType(), "tool", "the run ended on the tool, with no final model reply");
  t.deepEqual(answers, ["The timetable says 180 miles."]);
  const [trial] = await pool.rolloutsOfGroup(taskIdOf(trains.question), 0);
  t.is(trial?.completion, "The timetable says 180 miles.");
  t.is(trial?.reward, 1);
});

test("recorded in afterAgent: the trial holds what another middleware's afterModel left, in either order", async (t) => {
  for (const lanpoFirst of [true, false]) {
    const pool = new InMemoryExperiencePool();
    const middleware = lanpoMiddleware({
      memory: await memoryWithCarLesson(),
      pool,
      reflect: false,
      onFailure: () => {},
    });
    // Another team's middleware that rewrites the final reply (a redactor, say).
    const redactor = createMiddleware({
      name: "Redactor",
      afterModel: (state) => {
        const last = state.messages.at(-1);
        if (!AIMessage.isInstance(last) || (last.tool_calls?.length ?? 0) > 0) return;
        return { messages: [new AIMessage({ id: last.id, content: `${last.text} [checked]` })] };
      },
    });
    await createAgent({
      model: fakeModel()
        .respondWithTools([{ name: "multiply", args: { a: 60, b: 3 }, id: "c" }])
        .respond(new AIMessage("180 miles")),
      tools: [multiply],
      middleware: lanpoFirst ? [middleware, redactor] : [redactor, middleware],
    }).invoke({ messages: [new HumanMessage(trains.question)] });
    const [trial] = await pool.rolloutsOfGroup(taskIdOf(trains.question), 0);
    t.is(trial?.completion, "180 miles [checked]", `lanpo ${lanpoFirst ? "first" : "last"}`);
    t.deepEqual(
      trial?.messages.slice(-2).map((m) => m.content),
      ["[tool result multiply] 180", "180 miles [checked]"],
    );
  }
});

test("a run that throws records nothing; the same message run again is one trial of its own", async (t) => {
  const pool = new InMemoryExperiencePool();
  const middleware = lanpoMiddleware({
    memory: await memoryWithCarLesson(),
    pool,
    reflect: false,
    onFailure: () => {},
  });
  const broken = tool(
    async () => {
      throw new Error("tool down");
    },
    { name: "multiply", description: "Multiply", schema: z.object({ a: z.number(), b: z.number() }) },
  );
  const failing = createAgent({
    model: fakeModel().respondWithTools([{ name: "multiply", args: { a: 60, b: 3 }, id: "c" }]),
    tools: [broken],
    middleware: [
      middleware,
      createMiddleware({
        name: "Stop",
        wrapToolCall: () => {
          throw new Error("halt");
        },
      }),
    ],
  });
  const message = new HumanMessage(trains.question);
  const error = await t.throwsAsync(failing.invoke({ messages: [message] }));
  t.regex((error as LanpoError).message, /halt/);
  t.is((await pool.stats()).rollouts, 0);
  // The thrown run's context (kept, bounded, for a run an interrupt resumes) is not this run's.
  await createAgent({
    model: fakeModel().respond(new AIMessage("180 miles")),
    tools: [],
    middleware: [middleware],
  }).invoke({
    messages: [message],
  });
  const stored = await pool.rolloutsOfGroup(taskIdOf(trains.question), 0);
  t.is((await pool.stats()).rollouts, 1);
  t.is(stored[0]?.completion, "180 miles");
  t.false(
    stored[0]?.messages.some((m) => m.content.includes("[tool call multiply]")),
    "nothing of the thrown run's messages",
  );
});
