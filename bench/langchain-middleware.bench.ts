// Per-model-call overhead of lanpoMiddleware inside createAgent (issue 11's figure), beside the
// same agent without it and with a no-op middleware of the same two hooks (a wrapModelCall that
// extends the system message and an empty afterAgent: what those hooks cost in LangChain itself),
// measured in the same run. The model is instant and offline (a tool call,
// then an answer: two model calls per run), so what differs is LANPO's work alone: one lesson search
// over a warm memory of 1,000 lessons and one earlier-attempt lookup per run, the system-message
// extension on every model call, and recording the trial in an in-memory pool.
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { tool } from "@langchain/core/tools";
import { ExactLessonMemory, HashedLexicalEmbeddings, InMemoryExperiencePool } from "@lanpo/core";
import { lanpoMiddleware } from "@lanpo/langchain";
import { createAgent, createMiddleware } from "langchain";
import { z } from "zod";

const RUNS = Number(process.env.BENCH_RUNS ?? 400);
const LESSONS = 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

class InstantToolModel extends BaseChatModel {
  _llmType() {
    return "instant";
  }
  override bindTools() {
    return this as never;
  }
  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const message =
      messages.at(-1)?.getType() === "tool"
        ? new AIMessage(`The answer is \\boxed{${messages.at(-1)?.text}}.`)
        : new AIMessage({ content: "", tool_calls: [{ name: "multiply", args: { a: 6, b: 7 }, id: "c" }] });
    return { generations: [{ text: message.text, message }] };
  }
}

const multiply = tool(async ({ a, b }: { a: number; b: number }) => String(a * b), {
  name: "multiply",
  description: "Multiply two numbers",
  schema: z.object({ a: z.number(), b: z.number() }),
});

const question = (i: number) => `A shop sells ${i % 50} boxes of ${(i % 7) + 2} apples each. How many apples are sold?`;

const memory = new ExactLessonMemory(new HashedLexicalEmbeddings());
await memory.add(
  Array.from({ length: LESSONS }, (_, i) => ({
    text: `Lesson ${i}: multiply the number of groups by the size of each group (variant ${i}).`,
    sourceProblemIds: [`src-${i}`],
    problemText: `A store packs ${i} crates of ${(i % 9) + 1} pears. How many pears are packed? (${i})`,
  })),
);
const pool = new InMemoryExperiencePool();
const base = { model: new InstantToolModel({}), tools: [multiply], systemPrompt: "You are a careful math tutor." };
const bare = createAgent(base);
const withLanpo = createAgent({
  ...base,
  middleware: [lanpoMiddleware({ memory, pool, k: 3, minScore: 0.3, reflect: false, onFailure: () => {} })],
});

const noop = createAgent({
  ...base,
  middleware: [
    createMiddleware({
      name: "Noop",
      wrapModelCall: (request, handler) =>
        handler({ ...request, systemMessage: request.systemMessage.concat("\n\nA fixed line.") }),
      afterAgent: () => undefined,
    }),
  ],
});

// LANPO's own time: its two hooks, each wrapped by a timer in the same middleware object
// (`createMiddleware` returns the hooks as given). wrapModelCall is timed less the model call it
// wraps; afterAgent (recording the trial) whole. Neither is blurred by how long the rest of the
// graph takes on a busy machine.
let ownMs = 0;
const timedLanpo = lanpoMiddleware({
  memory,
  pool: new InMemoryExperiencePool(),
  k: 3,
  minScore: 0.3,
  reflect: false,
  onFailure: () => {},
});
const { wrapModelCall, afterAgent } = timedLanpo as unknown as {
  wrapModelCall: (request: unknown, handler: (request: unknown) => Promise<unknown>) => Promise<unknown>;
  afterAgent: (...args: unknown[]) => Promise<unknown>;
};
const probed = createAgent({
  ...base,
  middleware: [
    {
      ...timedLanpo,
      wrapModelCall: async (request: unknown, handler: (request: unknown) => Promise<unknown>) => {
        const started = performance.now();
        let modelMs = 0;
        try {
          return await wrapModelCall(request, async (inner) => {
            const modelStarted = performance.now();
            try {
              return await handler(inner);
            } finally {
              modelMs += performance.now() - modelStarted;
            }
          });
        } finally {
          ownMs += performance.now() - started - modelMs;
        }
      },
      afterAgent: async (...args: unknown[]) => {
        const started = performance.now();
        try {
          return await afterAgent(...args);
        } finally {
          ownMs += performance.now() - started;
        }
      },
    } as typeof timedLanpo,
  ],
});

async function time(agent: typeof bare, i: number): Promise<number> {
  const started = performance.now();
  await agent.invoke({ messages: [new HumanMessage(question(i))] });
  return performance.now() - started;
}

const agents = { bare, noop, lanpo: withLanpo } as unknown as Record<string, typeof bare>;
for (let i = 0; i < 50; i++) for (const agent of Object.values(agents)) await time(agent, i);
const samples: Record<string, number[]> = { bare: [], noop: [], lanpo: [] };
for (let i = 0; i < RUNS; i++) {
  // Interleaved, so drift in the machine's speed falls on all alike.
  for (const [name, agent] of Object.entries(agents)) samples[name]?.push(await time(agent, i));
}
const searchMs: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const started = performance.now();
  await memory.search(question(i), { k: 3, minScore: 0.3, excludeProblemIds: ["x"] });
  searchMs.push(performance.now() - started);
}
const ownPerRun: number[] = [];
for (let i = 0; i < RUNS; i++) {
  ownMs = 0;
  await probed.invoke({ messages: [new HumanMessage(question(i))] });
  ownPerRun.push(ownMs);
}
const calls = 2;
const [bareRun, noopRun, lanpoRun] = (["bare", "noop", "lanpo"] as const).map((k) => median(samples[k] ?? []));
const perCall = (ms: number) => `${ms.toFixed(3)} ms/run, ${(ms / calls).toFixed(3)} ms/model call`;
console.log(`createAgent runs (${RUNS} each, 2 model calls + 1 tool call per run; memory of ${LESSONS} lessons):`);
console.log(`  bare agent                  median ${perCall(bareRun as number)}`);
console.log(`  + a no-op middleware        median ${perCall(noopRun as number)} (wrapModelCall + afterAgent)`);
console.log(`  + lanpoMiddleware           median ${perCall(lanpoRun as number)}`);
const overhead = ((lanpoRun as number) - (bareRun as number)) / calls;
const own = ((lanpoRun as number) - (noopRun as number)) / calls;
console.log(
  `  lanpoMiddleware overhead:   ${overhead.toFixed(3)} ms per model call over the bare agent (ratio ${((lanpoRun as number) / (bareRun as number)).toFixed(2)}x), ` +
    `${own.toFixed(3)} ms over the no-op middleware`,
);
console.log(
  `  LANPO's own work, timed inside the agent: median ${(median(ownPerRun) / calls).toFixed(3)} ms per model call ` +
    `(${median(ownPerRun).toFixed(3)} ms per run: lesson search, system message, trial recording) (target < 1 ms)`,
);
console.log(
  `  of which the lesson search: median ${median(searchMs).toFixed(3)} ms once per run (ExactLessonMemory scan of ${LESSONS})`,
);
console.log(`  trials recorded: ${(await pool.stats()).rollouts}`);
