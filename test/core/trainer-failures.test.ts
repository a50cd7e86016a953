// A step never dies because one call did: failed rollouts are recorded and left out of advantages.

import type { LanpoTrainerOptions } from "@lanpo/core";
import { ConfigError, gsm8kReward, LanpoTrainer, ModelError } from "@lanpo/core";
import { MockChatModel } from "@lanpo/core/testing";
import test from "ava";
import { kindOf, PROBLEMS, userText } from "./trainer-fixtures.js";

const right = (messages: Parameters<ConstructorParameters<typeof MockChatModel>[0]["respond"]>[0]) => {
  const problem = PROBLEMS.find((p) => userText(messages).startsWith(p.question));
  return `\\boxed{${problem?.answer ?? 0}}`;
};

function trainer(policy: MockChatModel, extra: Partial<LanpoTrainerOptions> = {}) {
  return new LanpoTrainer({
    policy,
    reward: gsm8kReward,
    groupSize: 4,
    retries: 1,
    timeoutMs: 200,
    distil: false,
    seed: 3,
    ...extra,
  });
}

test("a call that keeps throwing becomes a failed rollout; its group's advantages use the rest", async (t) => {
  const policy = new MockChatModel({
    respond: (messages, i) => {
      if (kindOf(messages) === "rollout" && i % 4 === 1) throw new Error("502 bad gateway");
      return i % 3 === 0 ? right(messages) : "\\boxed{-1}";
    },
  });
  const report = await trainer(policy, { retries: 0 }).step(PROBLEMS, 0);
  t.true(report.failedRollouts > 0);
  t.is(report.rollouts.length, PROBLEMS.length * 4);
  for (const r of report.rollouts) {
    if (r.status === "failed") {
      t.is(r.reward, null);
      t.is(r.advantage, null);
      t.regex(r.error ?? "", /502 bad gateway/);
    } else t.is(typeof r.advantage, "number");
  }
  for (const problem of PROBLEMS) {
    const rollouts = report.rollouts.filter((r) => r.status === "ok" && r.problemId === problem.id);
    t.true(
      Math.abs(rollouts.reduce((a, r) => a + (r.advantage as number), 0)) < 1e-6,
      "advantages of a group sum to zero",
    );
  }
});

test("a model that never answers times out and is retried, then recorded as failed", async (t) => {
  const policy = new MockChatModel({ respond: () => new Promise<string>(() => {}) });
  const report = await trainer(policy, { timeoutMs: 30, retries: 1 }).step(PROBLEMS.slice(0, 1), 0);
  t.is(report.failedRollouts, 4);
  t.regex(report.rollouts[0]?.error ?? "", /timed out after 30 ms.*2 tries|after 2 tries.*timed out after 30 ms/);
  t.is(policy.callCount, 8, "each rollout was tried twice");
});

test("an empty reply is retried; one good retry makes the rollout count", async (t) => {
  // The group's four first tries all get an empty reply; every retry gets a good one.
  const policy = new MockChatModel({ respond: (m, i) => (i < 4 ? "   " : right(m)) });
  const report = await trainer(policy).step(PROBLEMS.slice(0, 1), 0);
  t.is(report.failedRollouts, 0);
  t.is(report.meanReward, 1);
});

test("an empty reply on every try fails with a ModelError message that says what to check", async (t) => {
  const policy = new MockChatModel({ respond: () => "" });
  const report = await trainer(policy).step(PROBLEMS.slice(0, 1), 0);
  t.is(report.failedRollouts, 4);
  t.regex(report.rollouts[0]?.error ?? "", /empty reply; check the model name/);
});

test("a reward function that throws or returns NaN fails only that rollout", async (t) => {
  const policy = new MockChatModel({ respond: right });
  let n = 0;
  const report = await trainer(policy, {
    reward: () => {
      n++;
      if (n === 1) throw new Error("verifier crashed");
      return n === 2 ? Number.NaN : 1;
    },
  }).step(PROBLEMS.slice(0, 1), 0);
  t.is(report.failedRollouts, 2);
  t.true(report.rollouts.some((r) => /verifier crashed/.test(r.error ?? "")));
  t.true(report.rollouts.some((r) => /must return a finite number/.test(r.error ?? "")));
});

test("bad options get a ConfigError naming the field", (t) => {
  const policy = new MockChatModel({ respond: right });
  const bad: Array<[Partial<LanpoTrainerOptions>, string]> = [
    [{ groupSize: 1 }, "groupSize"],
    [{ groupSize: 2.5 }, "groupSize"],
    [{ mix: { reflection: 0.5, abstraction: 0.5, both: 0 } }, "mix"],
    [{ mix: { reflection: -0.1 } }, "mix.reflection"],
    [{ retrieval: { k: 0 } }, "retrieval.k"],
    [{ retrieval: { minScore: 2 } }, "retrieval.minScore"],
    [{ concurrency: 0 }, "concurrency"],
    [{ timeoutMs: -5 }, "timeoutMs"],
    [{ attemptSelection: "best" as never }, "attemptSelection"],
    [{ estimator: "ppo" as never }, "estimator"],
    [{ reward: 1 as never }, "reward"],
    [{ policy: {} as never }, "policy"],
  ];
  for (const [options, field] of bad) {
    const error = t.throws(() => new LanpoTrainer({ policy, reward: gsm8kReward, ...options }), {
      instanceOf: ConfigError,
    });
    t.is(error?.field, field);
  }
});

test("bad problems and run options get a ConfigError naming the field", async (t) => {
  const t1 = trainer(new MockChatModel({ respond: right }));
  await t.throwsAsync(t1.step([], 0), { instanceOf: ConfigError, message: /problems/ });
  await t.throwsAsync(t1.step([{ id: "x", question: "", answer: "1" }], 0), { message: /problems\[0\]\.question/ });
  await t.throwsAsync(t1.step([PROBLEMS[0]!, PROBLEMS[0]!], 0), { message: /appears twice/ });
  const it = t1.run(PROBLEMS, { steps: 0, batchSize: 2 });
  await t.throwsAsync(it.next(), { message: /steps/ });
  t.true(ModelError.isInstance(new ModelError("x", { isRetryable: false })));
});

test("step() without a step number continues from the last step it ran", async (t) => {
  const trainer1 = trainer(new MockChatModel({ respond: right }));
  t.is((await trainer1.step(PROBLEMS.slice(0, 1))).step, 0);
  t.is((await trainer1.step(PROBLEMS.slice(0, 1))).step, 1);
  t.is((await trainer1.step(PROBLEMS.slice(0, 1), 7)).step, 7);
  t.is((await trainer1.step(PROBLEMS.slice(0, 1))).step, 8);
});
