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
    const rollouts = report.rollouts.filter((r) => r.status !== "failed" && r.problemId === problem.id);
    t.true(
      Math.abs(rollouts.reduce((a, r) => a + (r.advantage as number), 0)) < 1e-6,
      "advantages of a group sum to zero",
    );
  }
});

test("a model that never answers times out and is retried; a step in which every call failed stops the run", async (t) => {
  const policy = new MockChatModel({ respond: () => new Promise<string>(() => {}) });
  const started = Date.now();
  const error = await t.throwsAsync(
    trainer(policy, { timeoutMs: 30, retries: 1, maxOutageMs: 600, backoff: { initialMs: 10, maxMs: 20 } }).step(
      PROBLEMS.slice(0, 1),
      0,
    ),
    { instanceOf: ModelError },
  );
  t.regex(error?.message ?? "", /every one of the 4 model calls of step 0 failed/);
  t.regex(error?.message ?? "", /timed out after 30 ms/);
  t.regex(error?.message ?? "", /resume/);
  const tries = Number(/failed after (\d+) tries/.exec(error?.message ?? "")?.[1]);
  t.true(tries > 2, `calls kept trying while the server was down, past their own 2 tries (made ${tries})`);
  t.true(Date.now() - started < 10_000, "the outage wait is bounded");
});

test("a server that goes down and comes back within the outage bound is ridden over", async (t) => {
  let downUntil = 0;
  const policy = new MockChatModel({
    respond: (messages) => {
      if (Date.now() < downUntil) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8000"), {});
      return right(messages);
    },
  });
  downUntil = Date.now() + 400;
  const report = await trainer(policy, { retries: 1, maxOutageMs: 5000, backoff: { initialMs: 20, maxMs: 100 } }).step(
    PROBLEMS.slice(0, 2),
    0,
  );
  t.is(report.failedRollouts, 0, "every call waited the 400 ms outage out");
  t.is(report.meanReward, 1);
});

test("a call that fails while others succeed gets only its own retries", async (t) => {
  const policy = new MockChatModel({
    respond: (messages) => {
      if (userText(messages).startsWith(PROBLEMS[0]?.question ?? "")) throw new Error("500 internal error");
      return right(messages);
    },
  });
  const report = await trainer(policy, { retries: 1, maxOutageMs: 60_000, backoff: { initialMs: 5, maxMs: 10 } }).step(
    PROBLEMS.slice(0, 2),
    0,
  );
  t.is(report.failedRollouts, 4, "the first problem's four calls failed after 2 tries each");
  t.is(report.rollouts.filter((r) => r.status === "ok").length, 4);
});

test("429 and 503 replies are retried after the Retry-After the server asked for", async (t) => {
  const asked: number[] = [];
  let first = true;
  const policy = new MockChatModel({
    respond: (messages) => {
      if (first) {
        first = false;
        asked.push(Date.now());
        throw Object.assign(new Error("429 Too Many Requests"), { status: 429, headers: { "retry-after": "0.3" } });
      }
      asked.push(Date.now());
      return right(messages);
    },
  });
  await trainer(policy, { concurrency: 1, backoff: { initialMs: 1, maxMs: 2 } }).step(PROBLEMS.slice(0, 1), 0);
  t.true((asked[1] ?? 0) - (asked[0] ?? 0) >= 280, "waited about the 300 ms the server asked for");
});

test("an empty, truncated or unparseable reply is scored 0, says why, and counts in its group", async (t) => {
  const policy = new MockChatModel({
    respond: (m, i) => {
      if (i % 4 === 0) return "   ";
      if (i % 4 === 1) return { content: "So the total is \\boxed{", response_metadata: { finish_reason: "length" } };
      if (i % 4 === 2) return { content: [{ type: "image_url", image_url: "x" }] as never };
      return right(m);
    },
  });
  const report = await trainer(policy, { concurrency: 1 }).step(PROBLEMS.slice(0, 1), 0);
  t.is(report.failedRollouts, 0, "none of them is a transport failure");
  t.is(report.badReplies, 3);
  const statuses = report.rollouts.map((r) => r.status).sort();
  t.deepEqual(statuses, ["empty", "ok", "truncated", "unparseable"]);
  for (const r of report.rollouts) {
    t.is(typeof r.advantage, "number");
    if (r.status !== "ok") {
      t.is(r.reward, 0);
      t.regex(r.error ?? "", new RegExp(`scored 0: the reply was ${r.status}`));
    }
  }
  t.true(
    (report.rollouts.find((r) => r.status === "ok")?.advantage ?? 0) > 0,
    "the one right answer is above the mean",
  );
  t.is(policy.callCount, 4, "a bad reply is not retried: it is the policy's answer");
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
