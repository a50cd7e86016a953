// lanpoMiddleware inside createAgent with a tool, over the real clients (ChatOpenAI and the
// Hugging Face chat model) talking to a loopback OpenAI-compatible server: the exact requests of a
// tool-calling run, with the lesson in the system message.
import { HumanMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { InMemoryExperiencePool } from "@lanpo/core";
import { chatModelFromConfig, lanpoMiddleware, taskIdOf } from "@lanpo/langchain";
import test from "ava";
import { createAgent } from "langchain";
import { z } from "zod";
import { startCompatibleFakeServer } from "../fixtures/openai-compatible-fake-server.ts";
import { memoryWithCarLesson, trains } from "./helpers.ts";

const multiply = tool(async ({ a, b }: { a: number; b: number }) => String(a * b), {
  name: "multiply",
  description: "Multiply two numbers",
  schema: z.object({ a: z.number(), b: z.number() }),
});

for (const [provider, argumentsForm] of [
  ["openai", "string"],
  ["huggingface", "string"],
  ["huggingface", "object"],
] as const) {
  test(`${provider} (tool arguments as a JSON ${argumentsForm}): a tool-calling run with LANPO`, async (t) => {
    const server = await startCompatibleFakeServer();
    try {
      const args = argumentsForm === "string" ? '{"a":60,"b":3}' : { a: 60, b: 3 };
      server.script([
        { kind: "content", content: "", toolCalls: [{ id: "call-1", name: "multiply", arguments: args }] },
        { kind: "content", content: "The train travels \\boxed{180} miles." },
      ]);
      const model = chatModelFromConfig(
        { provider, baseUrl: provider === "openai" ? server.url : server.origin, model: "m" },
        { sleep: async () => {}, env: {} },
      );
      const pool = new InMemoryExperiencePool();
      const agent = createAgent({
        model,
        tools: [multiply],
        systemPrompt: "You are a careful math tutor.",
        middleware: [
          lanpoMiddleware({ memory: await memoryWithCarLesson(), pool, minScore: 0.3, onFailure: () => {} }),
        ],
      });
      const result = await agent.invoke({ messages: [new HumanMessage(trains.question)] });
      t.is(result.messages.at(-1)?.text, "The train travels \\boxed{180} miles.");
      t.is(server.requests.length, 2);
      const [first, second] = server.requests.map(
        (r) => r.body as { messages: Record<string, unknown>[]; tools?: unknown[] },
      );
      t.like(first?.tools?.[0], { type: "function", function: { name: "multiply" } });
      const system = first?.messages[0] as { role: string; content: unknown };
      t.is(system.role, "system");
      t.regex(
        JSON.stringify(system.content),
        /^"?.*You are a careful math tutor\..*Lessons from solving similar problems/,
      );
      t.like(second?.messages.at(-2), {
        role: "assistant",
        tool_calls: [{ id: "call-1", function: { name: "multiply" } }],
      });
      t.like(second?.messages.at(-1), { role: "tool", tool_call_id: "call-1", content: "180" });
      const [rollout] = await pool.rolloutsOfGroup(taskIdOf(trains.question), 0);
      t.is(rollout?.completion, "The train travels \\boxed{180} miles.");
      t.deepEqual(rollout?.lessonIds, ["lesson-1"]);
      t.is(rollout?.model, "m");
      t.is(rollout?.finishReason, "stop");
      t.deepEqual(rollout?.usage, { promptTokens: 22, completionTokens: 14 });
    } finally {
      await server.close();
    }
  });
}
