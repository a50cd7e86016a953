import { FakeListChatModel } from "@langchain/core/utils/testing";
import { ConfigError, ModelError, REFLECTION_MARKER, ScriptedPolicy } from "@lanpo/core";
import { MockChatModel } from "@lanpo/core/testing";
import { ReflectionChain, reflectionPrompt } from "@lanpo/langchain";
import test from "ava";
import { trains } from "./helpers.ts";

const attempt = { attemptId: "a1", completion: "60 + 3 = 63, so \\boxed{63}." };

test("the prompt is core's reflection prompt, slots filled once (LaTeX braces kept)", async (t) => {
  const model = new MockChatModel({ respond: () => "The step 60 + 3 adds a speed to a time." });
  const chain = new ReflectionChain({ model });
  const result = await chain.invoke({ problem: "Find {x} in $\\frac{1}{2}$", priorAttempts: [attempt] });
  t.deepEqual(result, {
    text: "The step 60 + 3 adds a speed to a time.",
    attemptId: "a1",
    attempt: attempt.completion,
  });
  const [system, user] = model.calls[0]?.messages ?? [];
  t.true(system?.content.startsWith(REFLECTION_MARKER));
  t.is(user?.content, `Problem:\nFind {x} in $\\frac{1}{2}$\n\nAttempt:\n${attempt.completion}\n\nYour review:`);
  t.deepEqual(reflectionPrompt.inputVariables.sort(), ["attempt", "problem"]);
});

test("works with LangChain's FakeListChatModel and core's ScriptedPolicy", async (t) => {
  const fake = new ReflectionChain({ model: new FakeListChatModel({ responses: ["Check the operation."] }) });
  t.is((await fake.invoke({ problem: trains.question, priorAttempts: [attempt] }))?.text, "Check the operation.");
  const scripted = new ReflectionChain({ model: new ScriptedPolicy({ problems: [trains] }) });
  const review = await scripted.invoke({ problem: trains.question, priorAttempts: [attempt] });
  t.truthy(review?.text && review.text.length > 20);
});

test("reviews the newest attempt by default, and makes no call when there is none", async (t) => {
  const model = new MockChatModel({ respond: () => "ok review" });
  const chain = new ReflectionChain({ model });
  const result = await chain.invoke({
    problem: trains.question,
    priorAttempts: [attempt, { attemptId: "a0", completion: "older" }],
  });
  t.is(result?.attemptId, "a1");
  t.is(await chain.invoke({ problem: trains.question, priorAttempts: [] }), null);
  t.is(model.calls.length, 1);
});

test("a huge attempt is cut head and tail, a huge review is cut", async (t) => {
  const model = new MockChatModel({ respond: () => "r".repeat(50_000) });
  const chain = new ReflectionChain({ model, maxAttemptChars: 100, maxReviewChars: 200 });
  const long = `START${"x".repeat(100_000)}END`;
  const result = await chain.invoke({ problem: trains.question, priorAttempts: [{ completion: long }] });
  t.is(result?.text.length, 200);
  t.true(result?.attempt.startsWith("START") && result.attempt.endsWith("END"));
  t.true((model.calls[0]?.messages[1]?.content.length ?? 0) < 300);
});

test("an empty review is a retryable ModelError; bad options and input are ConfigErrors", async (t) => {
  const chain = new ReflectionChain({ model: new MockChatModel({ respond: () => "   " }) });
  const error = await t.throwsAsync(chain.invoke({ problem: trains.question, priorAttempts: [attempt] }));
  t.true(ModelError.isInstance(error) && error.isRetryable);
  t.true(ConfigError.isInstance(t.throws(() => new ReflectionChain({ model: undefined as never }))));
  t.true(ConfigError.isInstance(await t.throwsAsync(chain.invoke({ problem: "", priorAttempts: [] }))));
});

test("runs inside a RunnableSequence with callbacks (a Runnable like any other)", async (t) => {
  const chain = new ReflectionChain({ model: new FakeListChatModel({ responses: ["fine"] }) });
  const out = await chain
    .pipe((r) => r?.text.toUpperCase())
    .invoke({ problem: trains.question, priorAttempts: [attempt] });
  t.is(out, "FINE");
});
