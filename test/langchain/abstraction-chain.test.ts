import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { ABSTRACTION_MARKER, ConfigError, ScriptedPolicy } from "@lanpo/core";
import { MockChatModel } from "@lanpo/core/testing";
import { AbstractionChain } from "@lanpo/langchain";
import test from "ava";
import { testMatcher, trains } from "./helpers.ts";

const attempts = [
  { completion: "60 * 3 = 180, so \\boxed{180}.", correct: true },
  { completion: "60 + 3 = 63, so \\boxed{63}.", correct: false },
];
const general = "Multiply a constant speed by the elapsed time to get a distance.";

/** A chat model that can call tools and answers every call with one tool call carrying `args`. */
class ToolCallingFake extends BaseChatModel {
  bound: unknown[] = [];
  constructor(private readonly args: unknown) {
    super({});
  }
  _llmType() {
    return "tool-calling-fake";
  }
  override bindTools(tools: unknown[]): never {
    this.bound = tools;
    return this as never;
  }
  async _generate(): Promise<ChatResult> {
    const message = new AIMessage({
      content: "",
      tool_calls: [{ name: "record_lessons", args: this.args as Record<string, unknown>, id: "c1" }],
    });
    return { generations: [{ text: "", message }] };
  }
}

test("structured output where the model calls tools: lessons from the tool call, sourced to the problem", async (t) => {
  const model = new ToolCallingFake({ lessons: [general, "Check that the units of the result are a distance."] });
  const result = await new AbstractionChain({ model }).invoke({ problem: trains, attempts });
  t.is(result.parsedAs, "structured");
  t.deepEqual(result.lessons[0], { text: general, sourceProblemIds: [trains.id], problemText: trains.question });
  t.is(result.lessons.length, 2);
  t.is((model.bound[0] as { name: string }).name, "record_lessons");
});

test("a model without tool calling is read as text: bullets (core's ScriptedPolicy) and JSON", async (t) => {
  const scripted = await new AbstractionChain({ model: new ScriptedPolicy({ problems: [trains] }) }).invoke({
    problem: trains,
    attempts,
  });
  t.is(scripted.parsedAs, "text");
  t.true(scripted.lessons.length >= 1);
  const json = await new AbstractionChain({
    model: new MockChatModel({ respond: () => `\`\`\`json\n{"lessons": ["${general}"]}\n\`\`\`` }),
  }).invoke({ problem: trains, attempts });
  t.deepEqual(
    json.lessons.map((l) => l.text),
    [general],
  );
});

test("the prompt is core's abstraction prompt and shows outcomes", async (t) => {
  const model = new MockChatModel({ respond: () => `- ${general}` });
  await new AbstractionChain({ model }).invoke({ problem: trains, attempts });
  const [system, user] = model.calls[0]?.messages ?? [];
  t.true(system?.content.startsWith(ABSTRACTION_MARKER));
  t.true(user?.content.includes("Attempt 1 (correct):\n60 * 3 = 180"));
  t.true(user?.content.includes("Attempt 2 (incorrect):"));
});

test("lessons restating the gold answer are rejected through the matcher", async (t) => {
  const model = new FakeListChatModel({
    responses: [`- ${general}\n- For this kind of trip the distance is 180 miles.`],
  });
  const result = await new AbstractionChain({ model, matcher: testMatcher, output: "text" }).invoke({
    problem: trains,
    attempts,
  });
  t.deepEqual(
    result.lessons.map((l) => l.text),
    [general],
  );
  t.deepEqual(result.rejected, ["For this kind of trip the distance is 180 miles."]);
  const strict = {
    mentions: (text: string) => text.includes("speed"),
    asserts: () => false,
  };
  const byMatcher = await new AbstractionChain({ model, matcher: strict, output: "text" }).invoke({
    problem: trains,
    attempts,
  });
  t.is(byMatcher.lessons.length, 1, "whatever the matcher recognises is rejected");
  const throwing = {
    mentions: () => {
      throw new Error("boom");
    },
    asserts: () => true,
  };
  const closed = await new AbstractionChain({ model, matcher: throwing, output: "text" }).invoke({
    problem: trains,
    attempts,
  });
  t.is(closed.lessons.length, 0, "a matcher that throws rejects (fail closed)");
});

test("a verified group's rollouts work as input; no correct attempt means no call", async (t) => {
  const model = new MockChatModel({ respond: () => `- ${general}` });
  const chain = new AbstractionChain({ model });
  const rollouts = [
    { index: 1, completion: "wrong 63", reward: 0, status: "ok" as const },
    { index: 0, completion: "right", reward: 1, status: "ok" as const },
    { index: 2, completion: "", reward: null, status: "failed" as const },
  ];
  const result = await chain.invoke({ problem: trains, group: { rollouts } });
  t.is(result.lessons.length, 1);
  t.true(model.calls[0]?.messages[1]?.content.includes("Attempt 1 (correct):\nright"));
  const none = await chain.invoke({ problem: trains, group: { rollouts: [rollouts[0] as (typeof rollouts)[0]] } });
  t.deepEqual(none, { lessons: [], rejected: [], parsedAs: "unparsed", skipped: "no-correct-attempt" });
  t.is(model.calls.length, 1);
});

for (const [name, reply] of [
  ["empty", ""],
  ["not JSON where JSON was asked", "{lessons: [oops"],
  ["JSON of the wrong shape", '{"lessons": [1, 2, {"a": 3}]}'],
  ["huge", `{"lessons": ["${"x".repeat(200_000)}"]}`],
] as const) {
  test(`model output that is ${name} gives no lessons and no crash`, async (t) => {
    const model = new MockChatModel({ respond: () => reply });
    const result = await new AbstractionChain({ model }).invoke({ problem: trains, attempts });
    t.deepEqual(result.lessons, []);
    t.is(result.parsedAs, "unparsed");
  });
}

test("tool-call arguments of the wrong shape fall back to the reply text", async (t) => {
  const model = new ToolCallingFake({ lessons: "not a list" });
  const result = await new AbstractionChain({ model }).invoke({ problem: trains, attempts });
  t.is(result.parsedAs, "unparsed");
});

test("bad input is a ConfigError naming the field", async (t) => {
  const chain = new AbstractionChain({ model: new MockChatModel({ respond: () => "" }) });
  const missing = await t.throwsAsync(chain.invoke({ problem: { id: "x", question: "q" } as never, attempts }));
  t.true(ConfigError.isInstance(missing) && missing.field === "problem.answer");
  t.true(ConfigError.isInstance(t.throws(() => new AbstractionChain({ model: chain as never, maxLessons: 0 }))));
});

test("by default core's BuiltinAnswerMatcher rejects the gold answer in another form", async (t) => {
  const problem = { id: "p-frac", question: "What share of the 8 slices is left after 2 are eaten?", answer: "0.75" };
  const model = new MockChatModel({
    respond: () => `- ${general}\n- Such shares always come to \\frac{3}{4} of the whole pie.`,
  });
  const result = await new AbstractionChain({ model }).invoke({ problem, attempts });
  t.deepEqual(result.rejected, ["Such shares always come to \\frac{3}{4} of the whole pie."]);
  t.is(result.lessons.length, 1);
});
