// AbstractionChain with the models and replies LangChain users bring: LangChain's fakeModel()
// answering through withStructuredOutput, models that refuse tools, lessons in the shapes small
// models send them, replies cut off mid-JSON, and ChatOpenAI against an OpenAI-compatible server.
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { fakeModel } from "@langchain/core/testing";
import { ModelError } from "@lanpo/core";
import { AbstractionChain, chatModelFromConfig } from "@lanpo/langchain";
import { createVerifierAnswerMatcher } from "@lanpo/verify";
import test from "ava";
import { startCompatibleFakeServer } from "../fixtures/openai-compatible-fake-server.ts";
import { trains } from "./helpers.ts";

const attempts = [
  { completion: "60 * 3 = 180, so \\boxed{180}.", correct: true },
  { completion: "60 + 3 = 63, so \\boxed{63}.", correct: false },
];
const general = "Multiply a constant speed by the elapsed time to get a distance.";
const second = "Check that the units of the result are a distance.";

/** A chat model with a `bindTools` that says it cannot call tools. */
class RefusesTools extends BaseChatModel {
  constructor(private readonly reply: string) {
    super({});
  }
  _llmType() {
    return "refuses-tools";
  }
  override bindTools(): never {
    throw new Error("this model does not support tool calling");
  }
  async _generate(): Promise<ChatResult> {
    return { generations: [{ text: this.reply, message: new AIMessage(this.reply) }] };
  }
}

function toolReply(args: Record<string, unknown>) {
  return fakeModel().respond(
    new AIMessage({ content: "", tool_calls: [{ name: "record_lessons", args, id: "call-1" }] }),
  );
}

test("fakeModel().structuredResponse(...) is read through withStructuredOutput", async (t) => {
  const model = fakeModel().structuredResponse({ lessons: [general] });
  const result = await new AbstractionChain({ model }).invoke({ problem: trains, attempts });
  t.is(result.parsedAs, "structured");
  t.deepEqual(
    result.lessons.map((l) => l.text),
    [general],
  );
});

test("fakeModel().respondWithTools(...) under any tool name is read from the tool call", async (t) => {
  const model = fakeModel().respondWithTools([{ name: "lessons", args: { lessons: [general, second] } }]);
  const result = await new AbstractionChain({ model }).invoke({ problem: trains, attempts });
  t.is(result.parsedAs, "structured");
  t.is(result.lessons.length, 2);
});

test("a model whose bindTools throws is asked for text and its bullets are read", async (t) => {
  const result = await new AbstractionChain({ model: new RefusesTools(`- ${general}\n- ${second}`) }).invoke({
    problem: trains,
    attempts,
  });
  t.is(result.parsedAs, "text");
  t.deepEqual(
    result.lessons.map((l) => l.text),
    [general, second],
  );
});

test("a model that fails outright still rejects: a failure is not an empty distillation", async (t) => {
  const model = fakeModel().alwaysThrow(new Error("server down"));
  await t.throwsAsync(new AbstractionChain({ model }).invoke({ problem: trains, attempts }), {
    message: "server down",
  });
});

const shapes: [string, Record<string, unknown>][] = [
  ["a JSON-encoded string", { lessons: JSON.stringify([general, second]) }],
  ["one bulleted string", { lessons: `- ${general}\n- ${second}` }],
  ["one plain string", { lessons: general }],
  ["objects with a lesson field", { lessons: [{ lesson: general }, { lesson: second }] }],
  ["objects with a text field", { lessons: [{ text: general }] }],
];
for (const [name, args] of shapes) {
  test(`tool arguments with lessons as ${name} are read`, async (t) => {
    const result = await new AbstractionChain({ model: toolReply(args) }).invoke({ problem: trains, attempts });
    t.is(result.parsedAs, "structured");
    t.is(result.lessons[0]?.text, general);
  });
}

test("a JSON reply cut off mid-list keeps its complete lessons, and only those", async (t) => {
  const cut = `{"lessons": ["${general}", "${second}", "Always restate the quest`;
  const model = fakeModel().respond(new AIMessage(cut));
  const result = await new AbstractionChain({ model, output: "text" }).invoke({ problem: trains, attempts });
  t.is(result.parsedAs, "text");
  t.deepEqual(
    result.lessons.map((l) => l.text),
    [general, second],
  );
  const fenced = fakeModel().respond(new AIMessage(`\`\`\`json\n["${general}", "Alw`));
  const fromFence = await new AbstractionChain({ model: fenced, output: "text" }).invoke({ problem: trains, attempts });
  t.deepEqual(
    fromFence.lessons.map((l) => l.text),
    [general],
  );
});

test("ChatOpenAI: the lesson schema is sent as a forced tool call and the tool's arguments are read", async (t) => {
  const server = await startCompatibleFakeServer({
    replies: [
      {
        kind: "content",
        content: "",
        toolCalls: [{ id: "c1", name: "record_lessons", arguments: JSON.stringify({ lessons: [general] }) }],
      },
    ],
  });
  try {
    const model = chatModelFromConfig({ provider: "openai", baseUrl: server.url, model: "qwen" });
    const result = await new AbstractionChain({ model }).invoke({ problem: trains, attempts });
    t.is(result.parsedAs, "structured");
    t.deepEqual(
      result.lessons.map((l) => l.text),
      [general],
    );
    const body = server.requests[0]?.body as { tools?: { function: { name: string } }[]; tool_choice?: unknown };
    t.is(body.tools?.[0]?.function.name, "record_lessons");
    t.deepEqual(body.tool_choice, { type: "function", function: { name: "record_lessons" } });
  } finally {
    await server.close();
  }
});

test("ChatOpenAI: a server that refuses the forced tool call (400) is asked once more through withStructuredOutput", async (t) => {
  const server = await startCompatibleFakeServer({
    replies: [
      { kind: "status", status: 400, message: "tool_choice is not supported by this model" },
      { kind: "content", content: JSON.stringify({ lessons: [general] }) },
    ],
  });
  try {
    const model = chatModelFromConfig({ provider: "openai", baseUrl: server.url, model: "qwen", maxRetries: 0 });
    const result = await new AbstractionChain({ model }).invoke({ problem: trains, attempts });
    t.deepEqual(
      result.lessons.map((l) => l.text),
      [general],
    );
    t.is(server.requests.length, 2);
  } finally {
    await server.close();
  }
});

test("ChatOpenAI: a server that refuses tools and structured output alike is asked for text, and its bullets read", async (t) => {
  const server = await startCompatibleFakeServer({
    replies: [
      { kind: "status", status: 400, message: "tools are not supported" },
      { kind: "status", status: 400, message: "response_format is not supported" },
      { kind: "content", content: `- ${general}\n- ${second}` },
    ],
  });
  try {
    const model = chatModelFromConfig({ provider: "openai", baseUrl: server.url, model: "qwen", maxRetries: 0 });
    const result = await new AbstractionChain({ model }).invoke({ problem: trains, attempts });
    t.is(result.parsedAs, "text");
    t.deepEqual(
      result.lessons.map((l) => l.text),
      [general, second],
    );
    t.is(server.requests.length, 3);
    const last = server.requests[2]?.body as Record<string, unknown>;
    t.is(last.tools, undefined);
    t.is(last.response_format, undefined);
  } finally {
    await server.close();
  }
});

test("ChatOpenAI: a server that is down rejects with the retryable ModelError, with no second try", async (t) => {
  const server = await startCompatibleFakeServer({ replies: [{ kind: "status", status: 503 }] });
  try {
    const model = chatModelFromConfig(
      { provider: "openai", baseUrl: server.url, model: "qwen", maxRetries: 0 },
      { sleep: async () => {} },
    );
    const error = await t.throwsAsync(new AbstractionChain({ model }).invoke({ problem: trains, attempts }));
    t.true(ModelError.isInstance(error) && error.isRetryable);
    t.is(server.requests.length, 1);
  } finally {
    await server.close();
  }
});

test("ChatOpenAI: a refusal of the caller (401, 404) is thrown at once, not asked again in another shape", async (t) => {
  for (const status of [401, 404]) {
    const server = await startCompatibleFakeServer({ replies: [{ kind: "status", status }] });
    try {
      const model = chatModelFromConfig(
        { provider: "openai", baseUrl: server.url, model: "qwen", maxRetries: 0 },
        { sleep: async () => {} },
      );
      const error = await t.throwsAsync(new AbstractionChain({ model }).invoke({ problem: trains, attempts }));
      t.true(ModelError.isInstance(error) && !error.isRetryable, `${status}: ${String(error)}`);
      t.is(server.requests.length, 1, `${status}: one request`);
    } finally {
      await server.close();
    }
  }
});

const restatements: [gold: string, lesson: string][] = [
  ["\\frac{1}{2}", "For such ratios the result is always 0.5 of the whole."],
  ["0.5", "For such ratios the result is always \\frac{1}{2} of the whole."],
  ["0.5", "For such ratios the result is always 1/2 of the whole."],
  ["0.5", "For such ratios the result is always one half of the whole."],
  ["50\\%", "For such ratios the result is always 0.5 of the whole."],
  ["50\\%", "For such ratios the result is always 50 percent of the whole."],
  ["0.5", "For such ratios the result is always 50\\% of the whole."],
  ["7", "Problems like this always come out to seven in the end."],
  ["180", "Problems like this always come out to one hundred eighty miles."],
];
for (const [name, matcher] of [
  ["core's BuiltinAnswerMatcher (the default)", undefined],
  ["@lanpo/verify's matcher", createVerifierAnswerMatcher()],
] as const) {
  test(`${name} rejects lessons restating the gold answer in another form`, async (t) => {
    for (const [gold, lesson] of restatements) {
      const model = toolReply({ lessons: [lesson, general] });
      const chain = new AbstractionChain(matcher ? { model, matcher } : { model });
      const result = await chain.invoke({ problem: { ...trains, answer: gold }, attempts });
      t.deepEqual(result.rejected, [lesson], `${gold} in "${lesson}"`);
      t.deepEqual(
        result.lessons.map((l) => l.text),
        [general],
      );
    }
  });
}
