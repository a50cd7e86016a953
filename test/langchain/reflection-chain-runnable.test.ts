// ReflectionChain as a Runnable like any other: LangChain's fakeModel(), batch (bad input among
// good), stream, errors reported to callbacks, and replies in content blocks.
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { AIMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { ConfigError } from "@lanpo/core";
import { ReflectionChain } from "@lanpo/langchain";
import test from "ava";
import { trains } from "./helpers.ts";

const input = { problem: trains.question, priorAttempts: [{ attemptId: "a1", completion: "60 + 3 = 63" }] };

test("fakeModel(): the reviewer is sent the system and human turns, and its reply is the review", async (t) => {
  const model = fakeModel().respond(new AIMessage("Speed and time are multiplied, not added."));
  const review = await new ReflectionChain({ model }).invoke(input);
  t.deepEqual(review, { text: "Speed and time are multiplied, not added.", attemptId: "a1", attempt: "60 + 3 = 63" });
  t.deepEqual(
    model.calls[0]?.messages.map((m) => m.getType()),
    ["system", "human"],
  );
});

test("batch: one result per input, null where there is nothing to review, a bad input as its error", async (t) => {
  const chain = new ReflectionChain({ model: new FakeListChatModel({ responses: ["first", "second"] }) });
  const results = await chain.batch(
    [input, { problem: trains.question, priorAttempts: [] }, { problem: "", priorAttempts: [] } as never],
    {},
    { returnExceptions: true },
  );
  t.is((results[0] as { text: string }).text, "first");
  t.is(results[1], null);
  t.true(ConfigError.isInstance(results[2]));
});

test("stream yields the one review; a reply in content blocks (reasoning first) gives its text", async (t) => {
  const chunks = [];
  for await (const chunk of await new ReflectionChain({
    model: new FakeListChatModel({ responses: ["streamed review"] }),
  }).stream(input)) {
    chunks.push(chunk);
  }
  t.deepEqual(
    chunks.map((c) => c?.text),
    ["streamed review"],
  );
  const blocks = fakeModel().respond(
    new AIMessage({
      content: [
        { type: "reasoning", reasoning: "Let me check." },
        { type: "text", text: "The sum should be a product." },
      ] as never,
    }),
  );
  t.is((await new ReflectionChain({ model: blocks }).invoke(input))?.text, "The sum should be a product.");
});

test("a bad input and a failing model reach callbacks as chain errors, under the chain's name", async (t) => {
  const events: string[] = [];
  class Spy extends BaseCallbackHandler {
    name = "spy";
    override handleChainStart(
      _chain: unknown,
      _inputs: unknown,
      _runId: string,
      _parent?: string,
      _tags?: string[],
      _metadata?: unknown,
      _runType?: string,
      runName?: string,
    ) {
      events.push(`start ${runName}`);
    }
    override handleChainError(error: Error) {
      events.push(`error ${error.name}`);
    }
  }
  const chain = new ReflectionChain({ model: fakeModel().alwaysThrow(new Error("model down")) });
  await t.throwsAsync(chain.invoke({ problem: "", priorAttempts: [] }, { callbacks: [new Spy()] }));
  await t.throwsAsync(chain.invoke(input, { callbacks: [new Spy()] }), { message: "model down" });
  await awaitAllCallbacks();
  t.deepEqual(events, ["start ReflectionChain", "error ConfigError", "start ReflectionChain", "error Error"]);
});
