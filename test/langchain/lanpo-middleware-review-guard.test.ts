// Which reviews the leakage guard checks, as in core's trainer: a review by another model is
// checked against the gold answer; the agent's own review of its own attempt is not (withholding
// the reviews that restate the answer would tell the agent, by selection, that it was wrong).
import { AIMessage, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { InMemoryExperiencePool } from "@lanpo/core";
import { type LanpoTask, lanpoMiddleware, taskIdOf } from "@lanpo/langchain";
import test from "ava";
import { createAgent } from "langchain";
import { memoryWithCarLesson, trains } from "./helpers.ts";

const REVIEW = "Multiplying 60 by 3 gives 180, and the steps are justified.";
const withGold = (): LanpoTask => ({ id: taskIdOf(trains.question), question: trains.question, answer: "180" });

function systemOf(messages: readonly BaseMessage[] | undefined): string {
  return messages?.find((m) => m.getType() === "system")?.text ?? "";
}

test("the agent's own review (reflect: true) that restates the gold answer is still shown", async (t) => {
  const middleware = lanpoMiddleware({
    memory: await memoryWithCarLesson(),
    pool: new InMemoryExperiencePool(),
    minScore: 0.99,
    task: withGold,
    onFailure: () => {},
  });
  await createAgent({
    model: fakeModel().respond(new AIMessage("It is 180 miles.")),
    tools: [],
    middleware: [middleware],
  }).invoke({
    messages: [new HumanMessage(trains.question)],
  });
  const model = fakeModel().respond(new AIMessage(REVIEW)).respond(new AIMessage("180 miles."));
  await createAgent({ model, tools: [], middleware: [middleware] }).invoke({
    messages: [new HumanMessage(trains.question)],
  });
  t.true(systemOf(model.calls[1]?.messages).includes(`<review>\n${REVIEW}\n</review>`));
});

test("a review by another model that restates the gold answer is blocked; the earlier attempt is not shown without it", async (t) => {
  const pool = new InMemoryExperiencePool();
  const middleware = lanpoMiddleware({
    memory: await memoryWithCarLesson(),
    pool,
    minScore: 0.99,
    task: withGold,
    reflect: new FakeListChatModel({ responses: [REVIEW] }),
    onFailure: () => {},
  });
  await createAgent({
    model: fakeModel().respond(new AIMessage("It is 180 miles.")),
    tools: [],
    middleware: [middleware],
  }).invoke({
    messages: [new HumanMessage(trains.question)],
  });
  const model = fakeModel().respond(new AIMessage("180 miles."));
  await createAgent({ model, tools: [], middleware: [middleware] }).invoke({
    messages: [new HumanMessage(trains.question)],
  });
  t.false(systemOf(model.calls[0]?.messages).includes("<review>"));
  const [second] = await pool.rolloutsOfGroup(taskIdOf(trains.question), 1);
  t.is(second?.feedback, "scratch");
});
