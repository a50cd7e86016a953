import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { AIMessage, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { tool } from "@langchain/core/tools";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { ConfigError, type ExperiencePool, InMemoryExperiencePool, type LessonMemory } from "@lanpo/core";
import { type LanpoFailure, lanpoMiddleware, taskIdOf } from "@lanpo/langchain";
import test from "ava";
import { createAgent, createMiddleware } from "langchain";
import { z } from "zod";
import { cars, memoryWithCarLesson, testMatcher, trains } from "./helpers.ts";

const LESSON = "Distance equals speed multiplied by time; keep the units.";

const multiply = tool(async ({ a, b }: { a: number; b: number }) => String(a * b), {
  name: "multiply",
  description: "Multiply two numbers",
  schema: z.object({ a: z.number(), b: z.number() }),
});

/** Another team's middleware: it adds its own line to the system message and records what the model saw. */
function otherMiddleware(seen: string[]) {
  return createMiddleware({
    name: "Other",
    wrapModelCall: async (request, handler) => {
      const systemMessage = request.systemMessage.concat("\n\n[other middleware]");
      seen.push(systemMessage.text);
      return handler({ ...request, systemMessage });
    },
  });
}

/** A model that calls the tool once, then answers. */
function toolThenAnswer(answer = "The train travels 180 miles.") {
  return fakeModel()
    .respondWithTools([{ name: "multiply", args: { a: 60, b: 3 }, id: "call-1" }])
    .respond(new AIMessage(answer));
}

function systemTextOf(messages: BaseMessage[]): string {
  return messages.find((m) => m.getType() === "system")?.text ?? "";
}

const quiet = { onFailure: () => {} };

test("inside createAgent with a tool call: lessons reach the system message, the agent's own prompt first and intact", async (t) => {
  const memory = await memoryWithCarLesson();
  const pool = new InMemoryExperiencePool();
  const model = toolThenAnswer();
  const agent = createAgent({
    model,
    tools: [multiply],
    systemPrompt: "You are a careful math tutor.",
    middleware: [lanpoMiddleware({ memory, pool, minScore: 0.3, ...quiet })],
  });
  const result = await agent.invoke({ messages: [new HumanMessage(trains.question)] });
  t.is(result.messages.at(-1)?.text, "The train travels 180 miles.");
  t.is(model.callCount, 2);
  for (const call of model.calls) {
    const system = systemTextOf(call.messages);
    t.true(system.startsWith("You are a careful math tutor.\n\nLessons from solving similar problems:\n"));
    t.true(system.includes(`- ${LESSON}`));
  }
  const [rollout] = await pool.rolloutsOfStep(0);
  t.is(rollout?.problemId, taskIdOf(trains.question));
  t.is(rollout?.completion, "The train travels 180 miles.");
  t.deepEqual(rollout?.lessonIds, ["lesson-1"]);
  t.is(rollout?.feedback, "abstraction");
  t.deepEqual(rollout?.originalMessages, [
    { role: "system", content: "You are a careful math tutor." },
    { role: "user", content: trains.question },
  ]);
  t.true(
    rollout?.messages.some((m) => m.role === "assistant" && m.content.includes('[tool call multiply] {"a":60,"b":3}')),
  );
  t.true(rollout?.messages.some((m) => m.content === "[tool result multiply] 180"));
  t.true(rollout?.messages[0]?.content.includes(LESSON));
});

for (const order of ["lanpo first", "lanpo last"] as const) {
  test(`composes with another middleware (${order})`, async (t) => {
    const memory = await memoryWithCarLesson();
    const seen: string[] = [];
    const lanpo = lanpoMiddleware({ memory, pool: new InMemoryExperiencePool(), minScore: 0.3, ...quiet });
    const other = otherMiddleware(seen);
    const model = toolThenAnswer();
    const agent = createAgent({
      model,
      tools: [multiply],
      systemPrompt: "Base prompt.",
      middleware: order === "lanpo first" ? [lanpo, other] : [other, lanpo],
    });
    await agent.invoke({ messages: [new HumanMessage(trains.question)] });
    const system = systemTextOf(model.calls[1]?.messages ?? []);
    t.true(system.startsWith("Base prompt.\n\n"));
    t.true(system.includes(LESSON));
    t.true(system.includes("[other middleware]"));
    t.is(seen.length, 2);
  });
}

test("the same task a second time: a reward-agnostic review of the earlier attempt is shown", async (t) => {
  const memory = await memoryWithCarLesson();
  const pool = new InMemoryExperiencePool();
  const reviewer = new FakeListChatModel({ responses: ["The multiplication step is fine; check units."] });
  const middleware = lanpoMiddleware({ memory, pool, minScore: 0.3, reflect: reviewer, ...quiet });
  const first = createAgent({
    model: toolThenAnswer("It goes 180 miles."),
    tools: [multiply],
    middleware: [middleware],
  });
  await first.invoke({ messages: [new HumanMessage(trains.question)] });
  const model = toolThenAnswer();
  const second = createAgent({ model, tools: [multiply], middleware: [middleware] });
  await second.invoke({ messages: [new HumanMessage(trains.question)] });
  const system = systemTextOf(model.calls[0]?.messages ?? []);
  t.true(system.includes("Your earlier attempt at this task:\n<attempt>\nIt goes 180 miles.\n</attempt>"));
  t.true(system.includes("<review>\nThe multiplication step is fine; check units.\n</review>"));
  t.false(/correct|reward/i.test(system.replace(/careful|review/g, "")), "nothing says whether it was right");
  const rollouts = await pool.rolloutsOfGroup(taskIdOf(trains.question), 1);
  t.is(rollouts[0]?.feedback, "both");
  t.truthy(rollouts[0]?.reflectionId);
  t.is(rollouts[0]?.messages[0]?.role, "system");
});

test("the reflection is written by the agent's own model when reflect is true", async (t) => {
  const pool = new InMemoryExperiencePool();
  const memory = await memoryWithCarLesson();
  const middleware = lanpoMiddleware({ memory, pool, minScore: 0.99, ...quiet });
  await createAgent({
    model: fakeModel().respond(new AIMessage("63 miles")),
    tools: [],
    middleware: [middleware],
  }).invoke({
    messages: [new HumanMessage(trains.question)],
  });
  const model = fakeModel()
    .respond(new AIMessage("Adding speed and time is wrong."))
    .respond(new AIMessage("180 miles"));
  const result = await createAgent({ model, tools: [], middleware: [middleware] }).invoke({
    messages: [new HumanMessage(trains.question)],
  });
  t.is(result.messages.at(-1)?.text, "180 miles");
  t.true(systemTextOf(model.calls[0]?.messages ?? []).includes("[lanpo:reflect]"));
  t.true(systemTextOf(model.calls[1]?.messages ?? []).includes("<review>\nAdding speed and time is wrong.\n</review>"));
});

test("the guard blocks a lesson that restates the task's gold answer", async (t) => {
  const memory = await memoryWithCarLesson();
  await memory.add([
    { text: "For such trips the distance comes to 180 miles.", sourceProblemIds: ["p-x"], problemText: cars.question },
  ]);
  const model = fakeModel().respond(new AIMessage("180"));
  const agent = createAgent({
    model,
    tools: [],
    middleware: [
      lanpoMiddleware({
        memory,
        pool: new InMemoryExperiencePool(),
        minScore: 0.3,
        matcher: testMatcher,
        task: ({ messages }) => ({ id: trains.id, question: messages[0]?.text ?? "", answer: trains.answer }),
        ...quiet,
      }),
    ],
  });
  await agent.invoke({ messages: [new HumanMessage(trains.question)] });
  const system = systemTextOf(model.calls[0]?.messages ?? []);
  t.true(system.includes(LESSON));
  t.false(system.includes("180"));
});

test("reward scores the trial and feeds the lessons' measured value", async (t) => {
  const memory = await memoryWithCarLesson();
  const pool = new InMemoryExperiencePool();
  const rewards: string[] = [];
  const middleware = lanpoMiddleware({
    memory,
    pool,
    minScore: 0.3,
    reflect: false,
    reward: (trial) => {
      rewards.push(trial.completion);
      return trial.completion.includes("180") ? 1 : 0;
    },
    ...quiet,
  });
  for (const answer of ["63 miles", "180 miles"]) {
    await createAgent({
      model: fakeModel().respond(new AIMessage(answer)),
      tools: [],
      middleware: [middleware],
    }).invoke({
      messages: [new HumanMessage(trains.question)],
    });
  }
  t.deepEqual(rewards, ["63 miles", "180 miles"]);
  const stored = await pool.rolloutsOfGroup(taskIdOf(trains.question), 1);
  t.is(stored[0]?.reward, 1);
  t.is(stored[0]?.advantage, 0.5);
  const lesson = await memory.get("lesson-1");
  t.is(lesson?.uses, 2);
  t.is(lesson?.meanAdvantage, 0.25);
});

test("an empty memory and no earlier attempt leave the system message as it was", async (t) => {
  const { ExactLessonMemory, HashedLexicalEmbeddings } = await import("@lanpo/core");
  const model = fakeModel().respond(new AIMessage("done"));
  await createAgent({
    model,
    tools: [],
    systemPrompt: "Only this.",
    middleware: [
      lanpoMiddleware({
        memory: new ExactLessonMemory(new HashedLexicalEmbeddings()),
        pool: new InMemoryExperiencePool(),
      }),
    ],
  }).invoke({ messages: [new HumanMessage(trains.question)] });
  t.is(systemTextOf(model.calls[0]?.messages ?? []), "Only this.");
});

class EventCatcher extends BaseCallbackHandler {
  name = "event-catcher";
  events: { name: string; data: unknown }[] = [];
  constructor() {
    super({ _awaitHandler: true });
  }
  override handleCustomEvent(name: string, data: unknown) {
    this.events.push({ name, data });
  }
}

test("an unreachable memory and a failing pool write: the agent still answers, failures reported", async (t) => {
  const failures: LanpoFailure[] = [];
  const memory = { search: async () => Promise.reject(new Error("memory unreachable")) } as unknown as LessonMemory;
  const inner = new InMemoryExperiencePool();
  const pool: ExperiencePool = Object.assign(Object.create(inner), {
    recordGroup: async () => Promise.reject(new Error("disk full")),
    priorAttempts: inner.priorAttempts.bind(inner),
  });
  const catcher = new EventCatcher();
  const model = toolThenAnswer();
  const agent = createAgent({
    model,
    tools: [multiply],
    systemPrompt: "Base.",
    middleware: [lanpoMiddleware({ memory, pool, onFailure: (f) => failures.push(f) })],
  });
  const result = await agent.invoke({ messages: [new HumanMessage(trains.question)] }, { callbacks: [catcher] });
  t.is(result.messages.at(-1)?.text, "The train travels 180 miles.");
  t.is(systemTextOf(model.calls[0]?.messages ?? []), "Base.");
  t.deepEqual(
    failures.map((f) => [f.stage, (f.error as Error).message]),
    [
      ["memory", "memory unreachable"],
      ["pool-write", "disk full"],
    ],
  );
  t.deepEqual(
    catcher.events.map((e) => [e.name, (e.data as { stage: string }).stage]),
    [
      ["lanpo-failure", "memory"],
      ["lanpo-failure", "pool-write"],
    ],
  );
});

test("the default failure report is a console warning naming the stage", async (t) => {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (line: string) => warnings.push(line);
  try {
    const memory = { search: async () => Promise.reject(new Error("down")) } as unknown as LessonMemory;
    await createAgent({
      model: fakeModel().respond(new AIMessage("ok")),
      tools: [],
      middleware: [lanpoMiddleware({ memory, pool: new InMemoryExperiencePool(), record: false })],
    }).invoke({ messages: [new HumanMessage("What is 2 + 2?")] });
  } finally {
    console.warn = original;
  }
  t.is(warnings.length, 1);
  t.regex(warnings[0] ?? "", /^lanpo: memory failed for task task-[0-9a-f]{16}; the agent ran without it: down$/);
});

test("bad options are ConfigErrors naming the field", (t) => {
  const pool = new InMemoryExperiencePool();
  const memory = { search: async () => [] } as unknown as LessonMemory;
  const field = (f: () => unknown) => {
    const error = t.throws(f);
    return ConfigError.isInstance(error) ? error.field : undefined;
  };
  t.is(
    field(() => lanpoMiddleware({ memory: {} as never, pool })),
    "memory",
  );
  t.is(
    field(() => lanpoMiddleware({ memory, pool: {} as never })),
    "pool",
  );
  t.is(
    field(() => lanpoMiddleware({ memory, pool, k: 0 })),
    "k",
  );
  t.is(
    field(() => lanpoMiddleware({ memory, pool, minScore: 3 })),
    "minScore",
  );
  t.is(
    field(() => lanpoMiddleware({ memory, pool, reflect: "yes" as never })),
    "reflect",
  );
});

test("a guard whose matcher throws blocks the lesson (fail closed); no gold answer, nothing to guard", async (t) => {
  const memory = await memoryWithCarLesson();
  const throwing = {
    mentions: () => {
      throw new Error("matcher bug");
    },
    asserts: () => true,
  };
  const shown: string[] = [];
  for (const answer of ["180", undefined]) {
    const model = fakeModel().respond(new AIMessage("ok"));
    await createAgent({
      model,
      tools: [],
      middleware: [
        lanpoMiddleware({
          memory,
          pool: new InMemoryExperiencePool(),
          minScore: 0.3,
          matcher: throwing,
          task: () => ({ id: trains.id, question: trains.question, ...(answer ? { answer } : {}) }),
          ...quiet,
        }),
      ],
    }).invoke({ messages: [new HumanMessage(trains.question)] });
    shown.push(systemTextOf(model.calls[0]?.messages ?? []));
  }
  t.false(shown[0]?.includes(LESSON));
  t.true(shown[1]?.includes(LESSON));
});

test("with a checkpointer, each turn of a thread is its own trial, searched once", async (t) => {
  const { MemorySaver } = await import("@langchain/langgraph");
  const inner = await memoryWithCarLesson();
  let searches = 0;
  const memory: LessonMemory = Object.assign(Object.create(inner), {
    search: (...args: Parameters<LessonMemory["search"]>) => {
      searches++;
      return inner.search(...args);
    },
  });
  const pool = new InMemoryExperiencePool();
  const model = toolThenAnswer()
    .respondWithTools([{ name: "multiply", args: { a: 50, b: 4 }, id: "call-2" }])
    .respond(new AIMessage("The car travels 200 miles."));
  const agent = createAgent({
    model,
    tools: [multiply],
    checkpointer: new MemorySaver(),
    middleware: [lanpoMiddleware({ memory, pool, minScore: 0.3, reflect: false, ...quiet })],
  });
  const config = { configurable: { thread_id: "t1" } };
  await agent.invoke({ messages: [new HumanMessage(trains.question)] }, config);
  await agent.invoke({ messages: [new HumanMessage(cars.question)] }, config);
  t.is(searches, 2);
  const stats = await pool.stats();
  t.is(stats.rollouts, 2);
  const [second] = await pool.rolloutsOfGroup(taskIdOf(cars.question), 0);
  t.is(second?.completion, "The car travels 200 miles.");
  t.deepEqual(second?.lessonIds, [], "the car lesson is never shown for the car problem");
});

test("core's ScriptedPolicy as the reflector (it cannot call tools, so createAgent refuses it as the agent's model)", async (t) => {
  const { ScriptedPolicy } = await import("@lanpo/core");
  const policy = new ScriptedPolicy({ problems: [trains], successRate: 1 });
  const memory = await memoryWithCarLesson();
  const pool = new InMemoryExperiencePool();
  const middleware = lanpoMiddleware({ memory, pool, minScore: 0.3, reflect: policy, ...quiet });
  for (let i = 0; i < 2; i++) {
    const model = fakeModel().respond(new AIMessage("The answer is \\boxed{180}."));
    const agent = createAgent({ model, tools: [], systemPrompt: "Solve it.", middleware: [middleware] });
    const result = await agent.invoke({ messages: [new HumanMessage(trains.question)] });
    t.regex(result.messages.at(-1)?.text ?? "", /\\boxed\{180\}/);
  }
  const [second] = await pool.rolloutsOfGroup(taskIdOf(trains.question), 1);
  t.is(second?.feedback, "both");
  t.regex(second?.messages[0]?.content ?? "", /<review>\n.+\n<\/review>/);
});
