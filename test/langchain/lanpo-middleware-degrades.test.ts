// lanpoMiddleware never breaks or stalls the user's agent: parts that hang, throw synchronously or
// answer nonsense are given up, reported, and the agent answers without them.
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { tool } from "@langchain/core/tools";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { InMemoryExperiencePool, type LessonMemory, StorageError } from "@lanpo/core";
import { type LanpoFailure, lanpoMiddleware } from "@lanpo/langchain";
import test from "ava";
import { createAgent } from "langchain";
import { z } from "zod";
import { memoryWithCarLesson, trains } from "./helpers.ts";

const multiply = tool(async ({ a, b }: { a: number; b: number }) => String(a * b), {
  name: "multiply",
  description: "Multiply two numbers",
  schema: z.object({ a: z.number(), b: z.number() }),
});

function toolThenAnswer() {
  return fakeModel()
    .respondWithTools([{ name: "multiply", args: { a: 60, b: 3 }, id: "call-1" }])
    .respond(new AIMessage("180 miles."));
}

const never = () => new Promise<never>(() => {});

function memoryWith(overrides: Partial<Record<keyof LessonMemory, unknown>>): LessonMemory {
  return {
    search: async () => [],
    add: async () => [],
    recordUse: async () => {},
    get: async () => undefined,
    stats: async () => ({ lessons: 0, merges: 0 }),
    flush: async () => {},
    ...overrides,
  } as LessonMemory;
}

class CustomEvents extends BaseCallbackHandler {
  name = "custom-events";
  readonly seen: { stage: string; error: string }[] = [];
  override handleCustomEvent(eventName: string, data: { stage: string; error: string }): void {
    if (eventName === "lanpo-failure") this.seen.push(data);
  }
}

async function run(options: Partial<Parameters<typeof lanpoMiddleware>[0]>) {
  const failures: LanpoFailure[] = [];
  const events = new CustomEvents();
  const pool = new InMemoryExperiencePool();
  const agent = createAgent({
    model: toolThenAnswer(),
    tools: [multiply],
    middleware: [
      lanpoMiddleware({
        memory: await memoryWithCarLesson(),
        pool,
        minScore: 0.3,
        timeoutMs: 50,
        reflectTimeoutMs: 50,
        onFailure: (f) => failures.push(f),
        ...options,
      }),
    ],
  });
  const result = await agent.invoke({ messages: [new HumanMessage(trains.question)] }, { callbacks: [events] });
  await awaitAllCallbacks();
  return { answer: result.messages.at(-1)?.text, failures, events: events.seen, pool };
}

test("a memory whose search never answers: the agent answers after timeoutMs, the timeout reported", async (t) => {
  const { answer, failures, events } = await run({ memory: memoryWith({ search: never }) });
  t.is(answer, "180 miles.");
  t.deepEqual(
    failures.map((f) => f.stage),
    ["memory"],
  );
  t.true(StorageError.isInstance(failures[0]?.error));
  t.is((failures[0]?.error as StorageError | undefined)?.code, "LANPO_TIMEOUT");
  t.regex(String((failures[0]?.error as Error | undefined)?.message), /timeoutMs \(50 ms\)/);
  t.is(events[0]?.stage, "memory");
});

test("a pool whose reads or writes never answer: the agent answers, each reported", async (t) => {
  const reads = new InMemoryExperiencePool();
  reads.priorAttempts = never;
  const slowRead = await run({ pool: reads });
  t.is(slowRead.answer, "180 miles.");
  t.deepEqual(
    slowRead.failures.map((f) => f.stage),
    ["pool-read"],
  );
  const writes = new InMemoryExperiencePool();
  writes.recordGroup = never;
  const slowWrite = await run({ pool: writes });
  t.is(slowWrite.answer, "180 miles.");
  t.deepEqual(
    slowWrite.failures.map((f) => f.stage),
    ["pool-write"],
  );
});

test("a reward that never answers: the trial is stored unscored, the timeout reported", async (t) => {
  const { answer, failures, pool } = await run({ reward: never });
  t.is(answer, "180 miles.");
  t.deepEqual(
    failures.map((f) => f.stage),
    ["reward"],
  );
  t.is((await pool.rolloutsOfStep(0))[0]?.status, "unscored");
});

test("a reflector that never answers: the second run answers with no review, the timeout reported", async (t) => {
  const failures: LanpoFailure[] = [];
  const pool = new InMemoryExperiencePool();
  const model = new FakeListChatModel({ responses: ["180 miles."] });
  const agent = createAgent({
    model,
    tools: [],
    middleware: [
      lanpoMiddleware({
        memory: await memoryWithCarLesson(),
        pool,
        minScore: 0.3,
        reflect: new FakeListChatModel({ responses: ["never"], sleep: 60_000 }),
        reflectTimeoutMs: 50,
        onFailure: (f) => failures.push(f),
      }),
    ],
  });
  await agent.invoke({ messages: [new HumanMessage(trains.question)] });
  const second = await agent.invoke({ messages: [new HumanMessage(trains.question)] });
  t.is(second.messages.at(-1)?.text, "180 miles.");
  t.deepEqual(
    failures.map((f) => f.stage),
    ["reflect"],
  );
  t.regex(String((failures[0]?.error as Error | undefined)?.message), /reflectTimeoutMs/);
});

test("a memory that throws synchronously or answers a non-array: the agent answers, reported", async (t) => {
  const sync = await run({
    memory: memoryWith({
      search: () => {
        throw new Error("sync boom");
      },
    }),
  });
  t.is(sync.answer, "180 miles.");
  t.deepEqual(
    sync.failures.map((f) => [f.stage, (f.error as Error).message]),
    [["memory", "sync boom"]],
  );
  const weird = await run({ memory: memoryWith({ search: async () => undefined }) });
  t.is(weird.answer, "180 miles.");
  t.regex(String((weird.failures[0]?.error as Error | undefined)?.message), /not an array/);
});

test("a recordUse that throws synchronously does not break the agent", async (t) => {
  const memory = await memoryWithCarLesson();
  memory.recordUse = () => {
    throw new Error("use boom");
  };
  const { answer, failures, pool } = await run({ memory, reward: () => 1 });
  t.is(answer, "180 miles.");
  t.deepEqual(
    failures.map((f) => f.stage),
    ["memory-use"],
  );
  t.is((await pool.rolloutsOfStep(0))[0]?.reward, 1, "the trial is still recorded");
});

test("a custom task that returns no id or question is reported as a task failure; the agent answers", async (t) => {
  const { answer, failures, pool } = await run({ task: () => ({ id: 5 }) as never });
  t.is(answer, "180 miles.");
  t.true(failures.length >= 1);
  t.true(failures.every((f) => f.stage === "task" && (f.error as Error).name === "ConfigError"));
  t.deepEqual(await pool.rolloutsOfStep(0), [], "no task, no trial");
});

test("bad timeouts are ConfigErrors naming the field", async (t) => {
  const memory = await memoryWithCarLesson();
  const pool = new InMemoryExperiencePool();
  for (const field of ["timeoutMs", "reflectTimeoutMs"] as const) {
    for (const value of [0, -1, 1.5, Number.NaN]) {
      const error = t.throws(() => lanpoMiddleware({ memory, pool, [field]: value }));
      t.is((error as { field?: string }).field, field);
    }
  }
  const onFailure = t.throws(() => lanpoMiddleware({ memory, pool, onFailure: "warn" as never }));
  t.is((onFailure as { field?: string }).field, "onFailure");
  const matcher = t.throws(() => lanpoMiddleware({ memory, pool, matcher: {} as never }));
  t.is((matcher as { field?: string }).field, "matcher");
});

test.serial(
  "a reward that returns NaN: the agent answers, the trial is stored unscored, the failure logged and sent to callbacks",
  async (t) => {
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
    try {
      const events = new CustomEvents();
      const pool = new InMemoryExperiencePool();
      const agent = createAgent({
        model: toolThenAnswer(),
        tools: [multiply],
        middleware: [
          lanpoMiddleware({ memory: await memoryWithCarLesson(), pool, minScore: 0.3, reward: () => Number.NaN }),
        ],
      });
      const result = await agent.invoke({ messages: [new HumanMessage(trains.question)] }, { callbacks: [events] });
      await awaitAllCallbacks();
      t.is(result.messages.at(-1)?.text, "180 miles.");
      const [rollout] = await pool.rolloutsOfStep(0);
      t.is(rollout?.status, "unscored");
      t.is(rollout?.reward, null);
      t.is(warnings.length, 1);
      t.regex(
        warnings[0] as string,
        /^lanpo: reward failed for task task-[0-9a-f]+; the agent ran without it: reward returned NaN/,
      );
      t.deepEqual(
        events.seen.map((e) => e.stage),
        ["reward"],
      );
    } finally {
      console.warn = warn;
    }
  },
);
