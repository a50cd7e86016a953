// lanpoMiddleware beside humanInTheLoopMiddleware: a run interrupted before its tool call and
// resumed with a Command is one trial, recorded when it finishes, with the lessons shown.
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { tool } from "@langchain/core/tools";
import { Command, MemorySaver } from "@langchain/langgraph";
import { InMemoryExperiencePool } from "@lanpo/core";
import { lanpoMiddleware } from "@lanpo/langchain";
import test from "ava";
import { createAgent, humanInTheLoopMiddleware } from "langchain";
import { z } from "zod";
import { memoryWithCarLesson, trains } from "./helpers.ts";

const multiply = tool(async ({ a, b }: { a: number; b: number }) => String(a * b), {
  name: "multiply",
  description: "Multiply two numbers",
  schema: z.object({ a: z.number(), b: z.number() }),
});

test("interrupted for approval, then resumed: one trial, recorded at the end, lessons shown on both model calls", async (t) => {
  const pool = new InMemoryExperiencePool();
  const model = fakeModel()
    .respondWithTools([{ name: "multiply", args: { a: 60, b: 3 }, id: "call-1" }])
    .respond(new AIMessage("180 miles."));
  const agent = createAgent({
    model,
    tools: [multiply],
    checkpointer: new MemorySaver(),
    middleware: [
      lanpoMiddleware({ memory: await memoryWithCarLesson(), pool, minScore: 0.3, onFailure: () => {} }),
      humanInTheLoopMiddleware({ interruptOn: { multiply: true } }),
    ],
  });
  const config = { configurable: { thread_id: "approval" } };
  const paused = await agent.invoke({ messages: [new HumanMessage(trains.question)] }, config);
  t.truthy((paused as { __interrupt__?: unknown[] }).__interrupt__?.length);
  t.deepEqual(await pool.rolloutsOfStep(0), [], "nothing recorded while the run waits");
  const done = await agent.invoke(new Command({ resume: { decisions: [{ type: "approve" }] } }) as never, config);
  t.is(done.messages.at(-1)?.text, "180 miles.");
  const rollouts = await pool.rolloutsOfStep(0);
  t.is(rollouts.length, 1);
  t.is(rollouts[0]?.completion, "180 miles.");
  t.is(rollouts[0]?.lessonIds.length, 1);
  for (const call of model.calls) t.true(call.messages[0]?.text.includes("Distance equals speed"));
});
