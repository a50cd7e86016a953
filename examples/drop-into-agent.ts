// An existing LangChain `createAgent` with a tool gains LANPO memory by adding one middleware.
// Needs: `npm run build` once (the example imports the built @lanpo/* packages), nothing else: it
// runs offline, with a scripted tool-calling model and core's ScriptedPolicy writing the reviews and
// lessons. Run it from the repository root with
//   npx tsx examples/drop-into-agent.ts
// or cell by cell in an editor that understands `// %%` (VS Code, Jupyter's percent format).
// The scripted model answers the same whatever it is shown: this shows the wiring, not results.

// %% The agent you already have: a model, a tool, a system prompt
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { tool } from "@langchain/core/tools";
import {
  ExactLessonMemory,
  HashedLexicalEmbeddings,
  InMemoryExperiencePool,
  type Problem,
  ScriptedPolicy,
} from "@lanpo/core";
import { AbstractionChain, lanpoMiddleware, taskIdOf } from "@lanpo/langchain";
import { createAgent } from "langchain";
import { z } from "zod";

const multiply = tool(async ({ a, b }: { a: number; b: number }) => String(a * b), {
  name: "multiply",
  description: "Multiply two numbers",
  schema: z.object({ a: z.number(), b: z.number() }),
});

/** Offline stand-in for a tool-calling chat model: calls `multiply` on the question's two numbers, then answers. */
class ScriptedToolModel extends BaseChatModel {
  /** The system message of every call: what the agent was shown. */
  readonly shown: string[] = [];
  _llmType() {
    return "scripted-tool-model";
  }
  override bindTools() {
    return this as never;
  }
  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.shown.push(messages.find((m) => m.getType() === "system")?.text ?? "");
    const last = messages.at(-1);
    const question = messages.find((m) => m.getType() === "human")?.text ?? "";
    const [a = 0, b = 0] = (question.match(/\d+/g) ?? []).map(Number);
    const message =
      last?.getType() === "tool"
        ? // It trusts the tool on even speeds and adds by mistake on odd ones, whatever its context.
          new AIMessage(`The distance is \\boxed{${a % 2 === 0 ? last.text : a + b}} miles.`)
        : new AIMessage({ content: "", tool_calls: [{ name: "multiply", args: { a, b }, id: `call-${a}-${b}` }] });
    return { generations: [{ text: message.text, message }] };
  }
}

const problems: Problem[] = [
  {
    id: "trip-1",
    question: "A train travels at 60 miles per hour for 3 hours. How far does it travel?",
    answer: "180",
  },
  { id: "trip-2", question: "A car travels at 45 miles per hour for 4 hours. How far does it travel?", answer: "180" },
  { id: "trip-3", question: "A bus travels at 50 miles per hour for 5 hours. How far does it travel?", answer: "250" },
  {
    id: "trip-4",
    question: "A cyclist travels at 15 miles per hour for 2 hours. How far does it travel?",
    answer: "30",
  },
];
const gold = new Map(problems.map((p) => [taskIdOf(p.question), p]));
const model = new ScriptedToolModel({});

// %% Add LANPO: a lesson memory, an experience pool, and one middleware (the only change to the agent)
const memory = new ExactLessonMemory(new HashedLexicalEmbeddings());
const pool = new InMemoryExperiencePool();
const scripted = new ScriptedPolicy({ problems });
const agent = createAgent({
  model,
  tools: [multiply],
  systemPrompt: "You are a careful math tutor. Use the multiply tool for products.",
  middleware: [
    lanpoMiddleware({
      memory,
      pool,
      k: 2,
      minScore: 0.3,
      reflect: scripted, // who reviews an earlier attempt (without being told whether it was right)
      // The task's gold answer lets the leakage guard block any lesson or review that gives it away.
      task: ({ messages }) => {
        const question = messages.findLast((m) => m.getType() === "human")?.text ?? "";
        const problem = gold.get(taskIdOf(question));
        return { id: taskIdOf(question), question, ...(problem ? { answer: problem.answer } : {}) };
      },
      reward: ({ task, completion }) => (completion.includes(`\\boxed{${gold.get(task.id)?.answer}}`) ? 1 : 0),
    }),
  ],
});

async function round(step: number): Promise<void> {
  let total = 0;
  for (const problem of problems) {
    const result = await agent.invoke({ messages: [new HumanMessage(problem.question)] });
    total += result.messages.at(-1)?.text.includes(`\\boxed{${problem.answer}}`) ? 1 : 0;
  }
  console.log(`step ${step}: mean reward ${(total / problems.length).toFixed(2)} over ${problems.length} tasks`);
}

// %% Round 0: nothing in memory yet, no earlier attempts: the agent sees its own prompt only
await round(0);
console.log(`shown on the first call:\n---\n${model.shown[0]}\n---`);

// %% Distil lessons from the recorded trials, for other tasks (AbstractionChain; here ScriptedPolicy writes them)
const distil = new AbstractionChain({ model: scripted });
for (const problem of problems) {
  const group = { rollouts: await pool.rolloutsOfGroup(taskIdOf(problem.question), 0) };
  const { lessons, rejected } = await distil.invoke({ problem: { ...problem, id: taskIdOf(problem.question) }, group });
  await memory.add(lessons);
  if (lessons.length + rejected.length > 0)
    console.log(`${problem.id}: ${lessons.length} lessons kept, ${rejected.length} rejected`);
}

// %% Round 1: each task now gets lessons from the *other* tasks and a review of its own earlier attempt
model.shown.length = 0;
await round(1);
console.log(`shown on the first call of round 1:\n---\n${model.shown[0]}\n---`);
console.log(
  `pool: ${(await pool.stats()).rollouts} trials recorded; memory: ${(await memory.stats()).lessons} lessons`,
);
