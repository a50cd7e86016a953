// Where LANPO's text goes: after the agent's own system prompt, in the same system turn, whether
// that prompt is createAgent's systemPrompt or a system message leading the input messages.
import { AIMessage, type BaseMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { InMemoryExperiencePool } from "@lanpo/core";
import { lanpoMiddleware } from "@lanpo/langchain";
import test from "ava";
import { createAgent } from "langchain";
import { memoryWithCarLesson, trains } from "./helpers.ts";

const LESSON = "Distance equals speed multiplied by time; keep the units.";

function shown(messages: BaseMessage[] | undefined): string[] {
  return (messages ?? []).map((m) => `${m.getType()}: ${m.text}`);
}

test("a system message leading the input: LANPO's text is appended to it, the model sees one system turn", async (t) => {
  const pool = new InMemoryExperiencePool();
  const model = fakeModel().respond(new AIMessage("180 miles."));
  const agent = createAgent({
    model,
    tools: [],
    middleware: [lanpoMiddleware({ memory: await memoryWithCarLesson(), pool, minScore: 0.3 })],
  });
  const result = await agent.invoke({
    messages: [new SystemMessage("You are the user's own prompt."), new HumanMessage(trains.question)],
  });
  const sent = shown(model.calls[0]?.messages);
  t.is(sent.length, 2);
  t.true(sent[0]?.startsWith("system: You are the user's own prompt.\n\nLessons from solving similar problems:"));
  t.true(sent[0]?.includes(LESSON));
  t.is(sent[1], `human: ${trains.question}`);
  t.is(result.messages[0]?.text, "You are the user's own prompt.", "the state keeps the user's message as it was");
  const [rollout] = await pool.rolloutsOfStep(0);
  t.deepEqual(rollout?.originalMessages, [
    { role: "system", content: "You are the user's own prompt." },
    { role: "user", content: trains.question },
  ]);
  t.true(rollout?.messages[0]?.content.startsWith("You are the user's own prompt.\n\nLessons"));
});

test("no system prompt anywhere: LANPO's text is the system message, ahead of the task", async (t) => {
  const model = fakeModel().respond(new AIMessage("180 miles."));
  const agent = createAgent({
    model,
    tools: [],
    middleware: [
      lanpoMiddleware({ memory: await memoryWithCarLesson(), pool: new InMemoryExperiencePool(), minScore: 0.3 }),
    ],
  });
  await agent.invoke({ messages: [new HumanMessage(trains.question)] });
  const sent = shown(model.calls[0]?.messages);
  t.is(sent.length, 2);
  t.true(sent[0]?.startsWith("system: Lessons from solving similar problems:"));
});
