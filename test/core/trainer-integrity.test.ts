// Issue 8's learning-integrity rules, each driven through the trainer's public API with inputs real
// data sets contain, and each checked on what the models were actually sent.

import { RunnableBinding } from "@langchain/core/runnables";
import type { AnswerMatcher, ChatMessageRecord, LanpoTrainerOptions, Problem, StepReport } from "@lanpo/core";
import { ConfigError, ExactLessonMemory, HashedLexicalEmbeddings, InMemoryOptimizer, LanpoTrainer } from "@lanpo/core";
import { MockChatModel } from "@lanpo/core/testing";
import { createVerifierAnswerMatcher, mathReward } from "@lanpo/verify";
import test from "ava";
import { leakOf } from "../fixtures/leak-oracle.js";
import { kindOf, userText, withoutOwnAttempt } from "./trainer-fixtures.js";

/** Problems whose gold answers a lesson can write in many other ways. */
const LEAKY: Array<Problem & { forms: string[] }> = [
  {
    id: "q81",
    question: "A square garden has 9 rows of 9 tulips. How many tulips are there?",
    answer: "81",
    forms: ["3^4", "eighty-one", "9 \\times 9", "8.1e1", "81.0"],
  },
  {
    id: "q72",
    question: "A box holds 8 rows of 9 eggs. How many eggs are in the box?",
    answer: "72",
    forms: ["8 times 9", "seventy two", "7.2 \\times 10^{1}", "144/2"],
  },
  {
    id: "qhalf",
    question: "A coin is fair. What is the probability of heads on one toss?",
    answer: "0.5",
    forms: [".5", "\\frac12", "50\\%", "one half"],
  },
  {
    id: "q1000",
    question: "A crate holds 10 boxes of 100 nails. How many nails are in the crate?",
    answer: "1000",
    forms: ["1\\,000", "1 000", "10^3", "one thousand"],
  },
  {
    id: "qneg",
    question: "The temperature was 4 degrees and fell by 7 degrees. What is it now?",
    answer: "-3",
    forms: ["−3", "minus three"],
  },
  {
    id: "qpi",
    question: "What is the interior angle of an equilateral triangle, in radians?",
    answer: "\\frac{\\pi}{3}",
    forms: ["\\pi/3", "\\tfrac{\\pi}{3}", "\\frac13\\pi"],
  },
  {
    id: "qint",
    question: "For which real x is x - 2 positive and x - 5 not positive? Give an interval.",
    answer: "(2, 5]",
    forms: ["2 < x \\le 5"],
  },
];

function questionOf(messages: readonly ChatMessageRecord[], problems: readonly Problem[]): Problem | undefined {
  const text = userText(messages);
  return problems.find((p) => text.includes(p.question));
}

/** Rollouts answer right on even calls; the abstractor writes every OTHER problem's answer in every planted form. */
function leakyPolicy(problems: typeof LEAKY) {
  return new MockChatModel({
    respond: (messages, i) => {
      const kind = kindOf(messages);
      const problem = questionOf(messages, problems);
      if (kind === "reflect") return "Check each multiplication and the units.";
      if (kind === "abstract") {
        return problems
          .filter((p) => p.id !== problem?.id)
          .flatMap((p) => p.forms.map((f) => `- In counting problems a result such as ${f} comes from a product.`))
          .join("\n");
      }
      return i % 2 === 0 ? `So it is \\boxed{${problem?.answer ?? 0}}.` : "So it is \\boxed{7}.";
    },
  });
}

async function steps(trainer: LanpoTrainer, problems: readonly Problem[], n: number): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  for await (const r of trainer.run(problems, { steps: n, batchSize: problems.length })) reports.push(r);
  return reports;
}

function base(policy: MockChatModel, extra: Partial<LanpoTrainerOptions> = {}): LanpoTrainerOptions {
  return {
    policy,
    reward: mathReward,
    groupSize: 8,
    mix: { reflection: 0.25, abstraction: 0.25, both: 0.125 },
    retrieval: { k: 30, minScore: -1 },
    seed: 5,
    ...extra,
  };
}

for (const [name, matcher] of [
  ["the built-in matcher", undefined],
  ["the verifier's matcher", createVerifierAnswerMatcher()],
] as Array<[string, AnswerMatcher | undefined]>) {
  test(`no gold answer reaches a prompt in any rewritten form, with ${name} (independent oracle)`, async (t) => {
    const policy = leakyPolicy(LEAKY);
    const trainer = new LanpoTrainer(base(policy, matcher ? { matcher } : {}));
    const reports = await steps(trainer, LEAKY, 3);
    t.true(
      reports.some((r) => r.retrieval.hits > 0),
      "lessons were retrieved, so the guard had work to do",
    );
    t.true(trainer.leakageBlocks > 0, "leaky lessons were blocked");
    let checked = 0;
    for (const call of policy.calls) {
      if (kindOf(call.messages) === "abstract") continue;
      const problem = questionOf(call.messages, LEAKY) as (typeof LEAKY)[number];
      const shown = withoutOwnAttempt(call.messages.map((m) => m.content).join("\n")).replace(problem.question, "");
      const leak = leakOf(shown, problem.answer, problem.forms);
      t.is(leak, undefined, `${problem.id}: ${leak}`);
      checked++;
    }
    t.true(checked > 0);
  });
}

test("no self-retrieval by content: a question under another id never gets its twin's lessons", async (t) => {
  const twinA = { id: "dapo-101", question: "Find the remainder when 2^{10} is divided by 7.", answer: "2" };
  const twinB = { id: "dapo-877", question: "find the remainder when  2^{10} is divided by 7", answer: "2" };
  const other = { id: "dapo-5", question: "Find the remainder when 2^{11} is divided by 7.", answer: "4" };
  const memory = new ExactLessonMemory(new HashedLexicalEmbeddings());
  await memory.add([
    {
      text: "Powers of two cycle modulo seven with period three.",
      sourceProblemIds: [twinA.id],
      problemText: twinA.question,
    },
  ]);
  const policy = new MockChatModel({
    respond: (messages) =>
      kindOf(messages) === "abstract" ? "- Reduce the exponent modulo the cycle length." : "\\boxed{2}",
  });
  const trainer = new LanpoTrainer({
    ...base(policy),
    memory,
    distil: false,
    mix: { reflection: 0, abstraction: 0.5, both: 0 },
  });
  const seen: string[] = [];
  trainer.on("rollout-end", ({ rollout }) => {
    if (rollout.lessonIds.length > 0) seen.push(rollout.problemId);
  });
  await trainer.step([twinB, other], 0);
  t.false(seen.includes(twinB.id), "the twin got no lesson of its twin");
  t.true(seen.includes(other.id), "a problem whose numbers differ is another problem and may");
  for (const call of policy.calls) {
    if (userText(call.messages).startsWith(twinB.question)) t.notRegex(userText(call.messages), /cycle modulo seven/);
  }
});

test("a merged lesson keeps every source question: no twin of any source receives it", async (t) => {
  const memory = new ExactLessonMemory(new HashedLexicalEmbeddings(), { mergeThreshold: 0.5 });
  const q1 = "A train travels 60 miles in 2 hours. What is its speed?";
  const q2 = "A car travels 90 miles in 3 hours. What is its speed?";
  await memory.add([{ text: "Speed is distance divided by time.", sourceProblemIds: ["a"], problemText: q1 }]);
  const [merged] = await memory.add([
    { text: "Speed is distance divided by the time taken.", sourceProblemIds: ["b"], problemText: q2 },
  ]);
  t.true(merged?.merged);
  const hits = await memory.search(q2, { k: 3, minScore: -1, excludeProblemIds: ["zzz"], excludeQuestionKeys: [] });
  t.is(hits.length, 1, "found by similarity to the first source's question");
  const policy = new MockChatModel({ respond: () => "\\boxed{30}" });
  const trainer = new LanpoTrainer({
    ...base(policy),
    memory,
    distil: false,
    mix: { reflection: 0, abstraction: 0.5, both: 0 },
  });
  const report = await trainer.step([{ id: "twin-of-b", question: `  ${q2.toUpperCase()} `, answer: "30" }], 0);
  t.true(report.rollouts.every((r) => r.lessonIds.length === 0));
});

test("the guard never switches itself off: with the answer in the question, a lesson asserting it is blocked", async (t) => {
  const problem = {
    id: "p",
    question: "Show that 6 and 8 have 48 as a common multiple, then give 6 times 8.",
    answer: "48",
  };
  const memory = new ExactLessonMemory(new HashedLexicalEmbeddings());
  await memory.add([
    { text: "The answer is 48 in problems like this.", sourceProblemIds: ["x"], problemText: "Give 7 times 6." },
    { text: "A common multiple need not be the least.", sourceProblemIds: ["y"], problemText: "Give 3 times 5." },
  ]);
  const policy = new MockChatModel({ respond: () => "\\boxed{48}" });
  const trainer = new LanpoTrainer({
    ...base(policy),
    memory,
    distil: false,
    mix: { reflection: 0, abstraction: 0.5, both: 0 },
  });
  const blocked: string[] = [];
  trainer.on("leakage-blocked", (e) => blocked.push(e.part));
  const report = await trainer.step([problem], 0);
  t.deepEqual([...new Set(blocked)], ["lesson"]);
  for (const call of policy.calls) t.notRegex(userText(call.messages), /answer is 48/);
  t.true(
    report.rollouts.some((r) => r.lessonIds.length === 1),
    "the lesson that only mentions a multiple was shown",
  );
});

test("the instruction is one fixed text: never changed per problem, placeholders refused at construction", async (t) => {
  const instruction = "Solve it. Check your work 2 times, then give the final answer in \\boxed{}.";
  const problems = [
    { id: "two", question: "What is 1 + 1?", answer: "2" },
    { id: "five", question: "What is 2 + 3?", answer: "5" },
  ];
  const policy = new MockChatModel({ respond: () => "\\boxed{2}" });
  const trainer = new LanpoTrainer({ ...base(policy), instruction, distil: false });
  await trainer.step(problems, 0);
  for (const call of policy.calls) {
    if (kindOf(call.messages) !== "rollout") continue;
    t.is(call.messages[0]?.content, instruction, "the same system text for every problem, the answer 2 in it or not");
  }
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder is the bad input here
  for (const bad of ["The answer is {answer}.", "Use {{gold}} to check.", "Expected: ${label}", "%(answer)s"]) {
    const error = t.throws(() => new LanpoTrainer({ ...base(policy), instruction: bad }), { instanceOf: ConfigError });
    t.is(error?.field, "instruction");
  }
  t.throws(() => new LanpoTrainer({ ...base(policy), instruction: ((p: Problem) => p.question) as never }), {
    instanceOf: ConfigError,
    message: /one fixed text/,
  });
  t.notThrows(() => new LanpoTrainer({ ...base(policy), instruction: "Put it in \\boxed{answer} as \\frac{a}{b}." }));
});

test("a critique written by a separate reflector is guarded; the policy's own attempt is quoted as it was", async (t) => {
  const problem = { id: "r", question: "A box has 8 rows of 9 eggs. How many eggs?", answer: "72" };
  const policy = new MockChatModel({ respond: () => "8 rows of 9 make \\boxed{72}." });
  const reflector = new MockChatModel({ respond: () => "Correct: the product eight times nine is right." });
  const trainer = new LanpoTrainer({
    ...base(policy),
    reflector,
    distil: false,
    mix: { reflection: 0.5, abstraction: 0, both: 0 },
  });
  const blocked: string[] = [];
  trainer.on("leakage-blocked", (e) => blocked.push(e.part));
  await trainer.step([problem], 0);
  await trainer.step([problem], 1);
  t.true(blocked.includes("critique"));
  const reflected = policy.calls.filter((c) => userText(c.messages).includes("<attempt>"));
  t.true(reflected.length > 0, "the attempt was still shown");
  for (const call of reflected) {
    const text = userText(call.messages);
    t.regex(text, /<attempt>\n8 rows of 9 make \\boxed\{72\}\.\n<\/attempt>/, "the own attempt is verbatim");
    t.notRegex(text, /eight times nine/, "the other model's critique was not");
  }
});

test("distillation shows attempts drawn at random by seed, and `mixed` distils only groups with both outcomes", async (t) => {
  const problems = [
    { id: "m1", question: "What is 12 times 11?", answer: "132" },
    { id: "m2", question: "What is 13 times 11?", answer: "143" },
  ];
  const shown: string[] = [];
  const make = () =>
    new MockChatModel({
      respond: (messages, i) => {
        if (kindOf(messages) === "abstract") {
          shown.push(userText(messages));
          return "- Multiply by eleven by adding neighbouring digits.";
        }
        const p = questionOf(messages, problems);
        // m1: all right; m2: right and wrong. Completions are numbered so the sample is visible.
        if (p?.id === "m1") return `attempt ${i}: \\boxed{132}`;
        return i % 2 === 0 ? `attempt ${i}: \\boxed{143}` : `attempt ${i}: \\boxed{1}`;
      },
    });
  const a = new LanpoTrainer({ ...base(make()), seed: 1, mix: { reflection: 0, abstraction: 0, both: 0 } });
  await a.step(problems, 0);
  await a.settle();
  const firstSeed = [...shown];
  t.is(firstSeed.length, 2, "any-success: both groups distilled");
  shown.length = 0;
  const b = new LanpoTrainer({ ...base(make()), seed: 2, mix: { reflection: 0, abstraction: 0, both: 0 } });
  await b.step(problems, 0);
  await b.settle();
  t.notDeepEqual(shown, firstSeed, "another seed shows other attempts");
  shown.length = 0;
  const mixed = new LanpoTrainer({
    ...base(make()),
    distillFrom: "mixed",
    mix: { reflection: 0, abstraction: 0, both: 0 },
  });
  await mixed.step(problems, 0);
  await mixed.settle();
  t.is(shown.length, 1, "only the group with successes and failures");
  t.true(shown[0]?.includes(problems[1]?.question ?? "?"));
});

test("a listener that throws is reported and loses nothing: the group is stored, the step completes", async (t) => {
  const policy = new MockChatModel({ respond: () => "\\boxed{3}" });
  const optimizer = new InMemoryOptimizer();
  const trainer = new LanpoTrainer({ ...base(policy), optimizer });
  const errors: string[] = [];
  trainer.on("rollout-end", () => {
    throw new Error("ENOSPC: no space left on device, write");
  });
  trainer.on("listener-error", (e) => errors.push(`${e.event}: ${(e.error as Error).message}`));
  const report = await trainer.step([{ id: "l", question: "What is 1 + 2?", answer: "3" }], 0);
  t.is(report.rollouts.length, 8);
  t.is((await trainer.pool.stats()).groups, 1);
  t.is(optimizer.batches[0]?.samples.length, 8);
  t.is(errors.length, 8);
  t.regex(errors[0] ?? "", /rollout-end: ENOSPC/);
  t.is(trainer.listenerErrors, 8);
});

test("from-scratch rollouts start at once; they do not wait for the group's critique", async (t) => {
  const problem = { id: "s", question: "What is 2 + 2?", answer: "4" };
  const started: Array<{ kind: string; at: number }> = [];
  const t0 = Date.now();
  const policy = new MockChatModel({
    respond: async (messages) => {
      const kind = kindOf(messages);
      started.push({
        kind: userText(messages).includes("<attempt>") ? "reflection-rollout" : kind,
        at: Date.now() - t0,
      });
      await new Promise((r) => setTimeout(r, kind === "reflect" ? 300 : 20));
      return "\\boxed{4}";
    },
  });
  const trainer = new LanpoTrainer({
    ...base(policy),
    distil: false,
    mix: { reflection: 0.5, abstraction: 0, both: 0 },
  });
  await trainer.step([problem], 0);
  started.length = 0;
  await trainer.step([problem], 1);
  const scratch = started.filter((s) => s.kind === "rollout");
  const reflection = started.filter((s) => s.kind === "reflection-rollout");
  const critique = started.find((s) => s.kind === "reflect");
  t.truthy(critique);
  t.is(scratch.length, 4);
  t.true(
    scratch.every((s) => s.at < (critique?.at ?? 0) + 200),
    "scratch rollouts started while the critique ran",
  );
  t.true(
    reflection.every((s) => s.at >= (critique?.at ?? 0) + 290),
    "reflection rollouts waited for it",
  );
});

test("samples carry finish reason, model, usage, log-probs, token ids, reasoning and the estimator", async (t) => {
  const policy = new MockChatModel({
    respond: () => ({
      content: "\\boxed{3}",
      response_metadata: {
        finish_reason: "stop",
        model_name: "qwen-7b-lora-3",
        logprobs: {
          content: [
            { token: "3", logprob: -0.25 },
            { token: "}", logprob: -0.5 },
          ],
        },
        token_ids: [18, 92],
      },
      additional_kwargs: { reasoning_content: "one plus two" },
      usage_metadata: { input_tokens: 30, output_tokens: 2, total_tokens: 32 },
    }),
  });
  const optimizer = new InMemoryOptimizer();
  const trainer = new LanpoTrainer({ ...base(policy), optimizer, estimator: "rloo", distil: false });
  await trainer.step([{ id: "f", question: "What is 1 + 2?", answer: "3" }], 0);
  const sample = optimizer.batches[0]?.samples[0];
  t.like(sample, {
    finishReason: "stop",
    model: "qwen-7b-lora-3",
    usage: { promptTokens: 30, completionTokens: 2 },
    logprobs: [-0.25, -0.5],
    tokenIds: [18, 92],
    reasoning: "one plus two",
    estimator: "rloo",
    status: "ok",
    groupSize: 8,
  });
  t.regex(sample?.groupId ?? "", /:0:f$/);
  t.is(optimizer.batches[0]?.runId, trainer.runId);
});

test("dropZeroVarianceGroups leaves groups with equal rewards out of the batch, not out of the pool", async (t) => {
  const problems = [
    { id: "same", question: "What is 1 + 2?", answer: "3" },
    { id: "mixed", question: "What is 2 + 5?", answer: "7" },
  ];
  const policy = new MockChatModel({
    respond: (messages, i) =>
      questionOf(messages, problems)?.id === "same" ? "\\boxed{3}" : `\\boxed{${i % 2 ? 7 : 1}}`,
  });
  const optimizer = new InMemoryOptimizer();
  const trainer = new LanpoTrainer({ ...base(policy), optimizer, dropZeroVarianceGroups: true, distil: false });
  const report = await trainer.step(problems, 0);
  t.is(report.zeroVarianceGroups, 1);
  t.deepEqual([...new Set(optimizer.batches[0]?.samples.map((s) => s.problemId))], ["mixed"]);
  t.is((await trainer.pool.stats()).groups, 2);
});

test("abstention with a realistic threshold: the memory's calibrated minScore keeps unrelated lessons out", async (t) => {
  const memory = new ExactLessonMemory(new HashedLexicalEmbeddings());
  t.is(memory.suggestedMinScore, 0.23);
  await memory.add([
    {
      text: "Write the speed as distance over time before comparing.",
      sourceProblemIds: ["train"],
      problemText: "A train travels 120 miles in 2 hours. What is its average speed in miles per hour?",
    },
    {
      text: "Count the arrangements of letters with repeated letters by dividing by the repeats.",
      sourceProblemIds: ["letters"],
      problemText: "How many distinct arrangements of the letters of the word BANANA are there?",
    },
  ]);
  const policy = new MockChatModel({ respond: () => "\\boxed{40}" });
  const trainer = new LanpoTrainer({
    policy,
    reward: mathReward,
    memory,
    groupSize: 4,
    distil: false,
    mix: { reflection: 0, abstraction: 0.5, both: 0 },
  });
  t.is(trainer.options.retrieval.minScore, 0.23, "the default threshold is the memory's");
  const report = await trainer.step(
    [
      {
        id: "car",
        question: "A car travels 160 miles in 4 hours. What is its average speed in miles per hour?",
        answer: "40",
      },
      { id: "garden", question: "A rectangular garden is 3 m wide and 9 m long. What is its area?", answer: "27" },
    ],
    0,
  );
  const used = new Map(report.rollouts.map((r) => [r.problemId, r.lessonIds.length > 0]));
  t.true(used.get("car"), "a similar problem gets the speed lesson");
  t.false(used.get("garden"), "an unrelated one abstains");
  t.is(report.retrieval.abstentions, 1);
  t.is(report.retrieval.hits, 1);
  t.true((report.retrieval.meanScore ?? 0) >= 0.23);
});

test("the policy may be any chat Runnable: a model after withConfig(), withRetry() or in a RunnableBinding", async (t) => {
  const model = new MockChatModel({ respond: () => "\\boxed{3}" });
  for (const policy of [
    model.withConfig({ tags: ["lanpo"] }),
    model.withRetry({ stopAfterAttempt: 2 }),
    new RunnableBinding({ bound: model, kwargs: {}, config: {} }),
  ]) {
    const trainer = new LanpoTrainer({ policy, reward: mathReward, groupSize: 2, distil: false });
    const report = await trainer.step([{ id: "b", question: "What is 1 + 2?", answer: "3" }], 0);
    t.is(report.meanReward, 1);
  }
});

test("back-pressure: the trainer waits for an optimizer over its limit and says so", async (t) => {
  let release: () => void = () => {};
  const inner = new InMemoryOptimizer();
  const optimizer = Object.assign(inner, {
    waitForCapacity: (options?: { onWait?: (pending: number) => void }) => {
      options?.onWait?.(65);
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    },
  });
  const trainer = new LanpoTrainer({
    policy: new MockChatModel({ respond: () => "\\boxed{3}" }),
    reward: mathReward,
    groupSize: 2,
    optimizer,
    distil: false,
  });
  const waits: number[] = [];
  trainer.on("optimizer-waiting", (e) => waits.push(e.pending));
  const stepping = trainer.step([{ id: "w", question: "What is 1 + 2?", answer: "3" }], 0);
  await new Promise((r) => setTimeout(r, 100));
  t.deepEqual(waits, [65]);
  t.is(inner.batches.length, 0, "nothing submitted while the optimizer is full");
  release();
  await stepping;
  t.is(inner.batches.length, 1);
});

test("excludeSimilarAbove also keeps out lessons of reworded near-duplicates (off by default)", async (t) => {
  const source = "A train travels 120 miles in 2 hours. What is its average speed in miles per hour?";
  const reworded = "A train goes 120 miles in 2 hours. What is the average speed in miles per hour?";
  const make = async () => {
    const memory = new ExactLessonMemory(new HashedLexicalEmbeddings());
    await memory.add([{ text: "Speed is distance over time.", sourceProblemIds: ["src"], problemText: source }]);
    return memory;
  };
  const policy = new MockChatModel({ respond: () => "\\boxed{60}" });
  const options = { ...base(policy), distil: false, mix: { reflection: 0, abstraction: 0.5, both: 0 } };
  const problem = { id: "near", question: reworded, answer: "60" };
  const byDefault = await new LanpoTrainer({ ...options, memory: await make() }).step([problem], 0);
  t.true(
    byDefault.rollouts.some((r) => r.lessonIds.length > 0),
    "a reworded question is another problem by default",
  );
  const strict = await new LanpoTrainer({
    ...options,
    memory: await make(),
    retrieval: { k: 3, minScore: -1, excludeSimilarAbove: 0.8 },
  }).step([problem], 0);
  t.true(strict.rollouts.every((r) => r.lessonIds.length === 0));
});
