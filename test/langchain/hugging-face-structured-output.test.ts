// HuggingFaceChatModel where LangChain's own tests and tracing look: withStructuredOutput (a
// forced tool call, validated), and the standard LangSmith parameters.
import { HumanMessage } from "@langchain/core/messages";
import { ConfigError } from "@lanpo/core";
import { chatModelFromConfig, type HuggingFaceChatModel } from "@lanpo/langchain";
import test from "ava";
import { z } from "zod";
import { startCompatibleFakeServer } from "../fixtures/openai-compatible-fake-server.ts";

const schema = z.object({ value: z.number() });

test("withStructuredOutput forces the named tool and returns its validated arguments (raw too when asked)", async (t) => {
  const server = await startCompatibleFakeServer({
    replies: [{ kind: "content", content: "", toolCalls: [{ id: "c1", name: "answer", arguments: { value: 42 } }] }],
  });
  try {
    const model = chatModelFromConfig({ provider: "huggingface", baseUrl: server.origin, model: "m" });
    t.deepEqual(await model.withStructuredOutput(schema, { name: "answer" }).invoke([new HumanMessage("6 * 7?")]), {
      value: 42,
    });
    const body = server.requests[0]?.body as { tools: { function: { name: string } }[]; tool_choice: unknown };
    t.is(body.tools[0]?.function.name, "answer");
    t.deepEqual(body.tool_choice, { type: "function", function: { name: "answer" } });
    const withRaw = (await model
      .withStructuredOutput(schema, { name: "answer", includeRaw: true })
      .invoke("6 * 7?")) as unknown as { raw: { tool_calls: unknown[] }; parsed: unknown };
    t.deepEqual(withRaw.parsed, { value: 42 });
    t.is(withRaw.raw.tool_calls.length, 1);
  } finally {
    await server.close();
  }
});

test("withStructuredOutput: a reply that does not fit the schema is an error, or parsed: null with includeRaw", async (t) => {
  const server = await startCompatibleFakeServer({
    replies: [{ kind: "content", content: "", toolCalls: [{ id: "c1", name: "answer", arguments: { value: "x" } }] }],
  });
  try {
    const model = chatModelFromConfig({ provider: "huggingface", baseUrl: server.origin, model: "m" });
    await t.throwsAsync(model.withStructuredOutput(schema, { name: "answer" }).invoke("6 * 7?"));
    const withRaw = (await model
      .withStructuredOutput(schema, { name: "answer", includeRaw: true })
      .invoke("6 * 7?")) as { parsed: unknown };
    t.is(withRaw.parsed, null);
    t.throws(() => model.withStructuredOutput(schema, { method: "jsonMode" }), { instanceOf: ConfigError });
  } finally {
    await server.close();
  }
});

test("getLsParams gives provider, model name, temperature, max tokens and stop", (t) => {
  const model = chatModelFromConfig({
    provider: "huggingface",
    baseUrl: "http://127.0.0.1:9",
    model: "meta-llama/Llama-3.1-8B-Instruct",
    temperature: 0.2,
    maxTokens: 64,
  }) as HuggingFaceChatModel;
  t.deepEqual(model.getLsParams({ stop: ["\n"] } as never), {
    ls_provider: "huggingface",
    ls_model_name: "meta-llama/Llama-3.1-8B-Instruct",
    ls_model_type: "chat",
    ls_temperature: 0.2,
    ls_max_tokens: 64,
    ls_stop: ["\n"],
  });
});
