import type { Problem, RewardFn } from "@lanpo/core";
import { createMathReward, mathReward } from "@lanpo/verify";
import test from "ava";

const problem: Problem = { id: "p1", question: "What is 1/2 + 1/4?", answer: "\\frac{3}{4}" };

test("1 for an equivalent final answer, 0 for a wrong one", (t) => {
  t.is(mathReward(problem, "Adding gives $\\boxed{0.75}$."), 1);
  t.is(mathReward(problem, "Adding gives $\\boxed{0.7}$."), 0);
});

test("no final answer: 0 by default, formatPenalty when given", (t) => {
  t.is(mathReward(problem, "I am not sure how to approach this one at all, sorry about that"), 0);
  t.is(
    mathReward(problem, "I am not sure how to approach this one at all, sorry about that", { formatPenalty: -0.1 }),
    -0.1,
  );
  t.is(mathReward(problem, "", { formatPenalty: -1 }), -1);
});

test("the penalty applies only to a missing answer, not to a wrong one", (t) => {
  t.is(mathReward(problem, "\\boxed{2}", { formatPenalty: -0.5 }), 0);
});

test("mathReward and createMathReward are RewardFns", async (t) => {
  const a: RewardFn = (p, c) => mathReward(p, c);
  const b: RewardFn = createMathReward({ formatPenalty: -0.2, relativeTolerance: 1e-3 });
  t.is(await a(problem, "\\boxed{3/4}"), 1);
  t.is(await b(problem, "\\boxed{0.7501}"), 1);
  t.is(await b(problem, "nothing here to see at all, move along please"), -0.2);
});

test("a malformed problem never throws", (t) => {
  t.is(mathReward({ id: "x", question: "q" } as unknown as Problem, "\\boxed{1}"), 0);
  t.is(mathReward(undefined as unknown as Problem, "\\boxed{1}"), 0);
});

test("createMathReward's first reward waits for Compute Engine instead of scoring a right answer 0", async (t) => {
  // \gcd is outside our own grammar, so this pair is decided by the Compute Engine worker, which
  // has only just been started: the reward must not spend its time budget on that start-up.
  const reward = createMathReward({ timeoutMs: 200 });
  t.is(await reward({ id: "g", question: "What is gcd(12, 18)?", answer: "6" }, "So \\boxed{\\gcd(12, 18)}"), 1);
});
