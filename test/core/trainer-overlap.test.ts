// overlapSteps (the default): the next step's groups fill the slots a step's tail leaves idle,
// without changing what any group sees. Each test's oracle is recorded outside the trainer: call
// times, the attempts the pool hands out, the batches the optimizer receives, the guard's events.
import type { LanpoTrainerOptions, PriorAttempt, Problem, StepReport } from "@lanpo/core";
import {
  ConfigError,
  ExactLessonMemory,
  HashedLexicalEmbeddings,
  InMemoryExperiencePool,
  InMemoryOptimizer,
  LanpoTrainer,
} from "@lanpo/core";
import { MockChatModel } from "@lanpo/core/testing";
import { mathReward } from "@lanpo/verify";
import test from "ava";
import { alternatingPolicy, PROBLEMS, userText } from "./trainer-fixtures.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Eight problems with answers the scripted replies below get right half the time. */
const EIGHT: Problem[] = Array.from({ length: 8 }, (_, i) => ({
  id: `q${i}`,
  question: `Problem ${i}: a crate holds ${i + 11} jars of ${i + 3} beans each. How many beans are in it?`,
  answer: String((i + 11) * (i + 3)),
}));

function timedPolicy(delayMs: (question: string) => number) {
  const calls: Array<{ problemId: string; start: number; end: number }> = [];
  let n = 0;
  const policy = new MockChatModel({
    respond: async (messages) => {
      const text = userText(messages);
      const problem = EIGHT.find((p) => text.includes(p.question));
      const start = performance.now();
      await sleep(problem ? delayMs(problem.question) : 5);
      if (problem) calls.push({ problemId: problem.id, start, end: performance.now() });
      return `So \\boxed{${Number(problem?.answer ?? 0) + (n++ % 2)}}.`;
    },
  });
  return { policy, calls };
}

function options(policy: MockChatModel, extra: Partial<LanpoTrainerOptions> = {}): LanpoTrainerOptions {
  return {
    policy,
    reward: mathReward,
    groupSize: 4,
    mix: { reflection: 0.25, abstraction: 0.25, both: 0 },
    retrieval: { k: 3, minScore: -1 },
    seed: 3,
    distil: false,
    ...extra,
  };
}

async function collect(trainer: LanpoTrainer, problems: readonly Problem[], steps: number, batchSize: number) {
  const reports: StepReport[] = [];
  for await (const report of trainer.run(problems, { steps, batchSize })) reports.push(report);
  return reports;
}

/** The [first call start, last call end] of each step, from the groups each step holds. */
function spans(reports: StepReport[], calls: Array<{ problemId: string; start: number; end: number }>) {
  return reports.map((r) => {
    const ids = new Set(r.rollouts.map((x) => x.problemId));
    const mine = calls.filter((c) => ids.has(c.problemId));
    return { start: Math.min(...mine.map((c) => c.start)), end: Math.max(...mine.map((c) => c.end)) };
  });
}

test("with overlapSteps the next step's calls run while this step's last calls do; without, never", async (t) => {
  // Two steps over disjoint halves of the problems: nothing ties step 1 to step 0 but the barrier.
  const overlapped = timedPolicy(() => 60);
  const reportsOn = await collect(new LanpoTrainer(options(overlapped.policy)), EIGHT, 2, 4);
  const [on0, on1] = spans(reportsOn, overlapped.calls);
  t.true((on1?.start ?? Infinity) < (on0?.end ?? 0), "step 1 started before step 0's last call ended");

  const barrier = timedPolicy(() => 60);
  const reportsOff = await collect(new LanpoTrainer(options(barrier.policy, { overlapSteps: false })), EIGHT, 2, 4);
  const [off0, off1] = spans(reportsOff, barrier.calls);
  t.true((off1?.start ?? 0) >= (off0?.end ?? Infinity), "step 1 started after step 0 ended");
  t.deepEqual(
    reportsOn.map((r) => r.step),
    [0, 1],
  );
});

class RecordingPool extends InMemoryExperiencePool {
  readonly handedOut: Array<{ problemId: string; beforeStep: number; steps: number[] }> = [];
  override async priorAttempts(problemId: string, o: { beforeStep: number; limit: number }): Promise<PriorAttempt[]> {
    const attempts = await super.priorAttempts(problemId, o);
    this.handedOut.push({ problemId, beforeStep: o.beforeStep, steps: attempts.map((a) => a.step) });
    return attempts;
  }
}

test("a group waits for its problem's group of the step before: every critique sees the latest attempt", async (t) => {
  // Every step holds every problem, and calls take uneven times, so groups finish out of order.
  const pool = new RecordingPool();
  const { policy } = timedPolicy((q) => 10 + ((q.length * 7) % 40));
  await collect(
    new LanpoTrainer(options(policy, { pool, mix: { reflection: 0.5, abstraction: 0, both: 0 } })),
    EIGHT,
    4,
    8,
  );
  const later = pool.handedOut.filter((h) => h.beforeStep > 0);
  t.is(later.length, 8 * 3);
  for (const h of later) t.is(h.steps[0], h.beforeStep - 1, `${h.problemId} before step ${h.beforeStep}`);
});

test("batches reach the optimizer, and steps finish, in step order", async (t) => {
  const optimizer = new InMemoryOptimizer();
  const pool = new InMemoryExperiencePool();
  // The first problems the policy sees (step 0's) are slow, the others fast: step 1's groups are
  // stored first, and must still wait for step 0's batch.
  const seen: string[] = [];
  const { policy } = timedPolicy((q) => {
    if (!seen.includes(q) && seen.length < 4) seen.push(q);
    return seen.includes(q) ? 120 : 5;
  });
  // No abstraction: its rollouts would wait for every group of step 0 (the lessons of that step).
  const mix = { reflection: 0.25, abstraction: 0, both: 0 };
  const trainer = new LanpoTrainer(options(policy, { optimizer, pool, mix }));
  const order: string[] = [];
  trainer.on("group-end", (e) => order.push(`group ${e.step}`));
  trainer.on("batch-submitted", (e) => order.push(`batch ${e.step}`));
  trainer.on("step-end", (e) => order.push(`end ${e.report.step}`));
  const reports = await collect(trainer, EIGHT, 3, 4);
  const of = (kind: string) => order.filter((o) => o.startsWith(kind)).map((o) => Number(o.split(" ")[1]));
  t.deepEqual(of("batch"), [0, 1, 2]);
  t.deepEqual(of("end"), [0, 1, 2]);
  t.deepEqual(
    reports.map((r) => r.step),
    [0, 1, 2],
  );
  t.deepEqual((await pool.finishedSteps()).sort(), [0, 1, 2]);
  t.true(order.indexOf("group 1") < order.indexOf("end 0"), "step 1 stored groups while step 0 ran");
});

test("lessons are usable from the next step, also when steps overlap", async (t) => {
  const memory = new ExactLessonMemory(new HashedLexicalEmbeddings());
  const trainer = new LanpoTrainer({
    ...options(alternatingPolicy(), { distil: true, memory, groupSize: 8 }),
    mix: { reflection: 0, abstraction: 0.5, both: 0 },
  });
  const reports = await collect(trainer, PROBLEMS, 3, 2);
  // Step 0 has no lessons to retrieve; every abstraction rollout of step 1 sees those of step 0.
  const step1 = reports[1]?.rollouts.filter((r) => r.feedback === "abstraction") ?? [];
  t.true(step1.length > 0);
  t.true(step1.every((r) => r.lessonIds.length > 0));
});

test("leakage blocks are counted once, in the step that blocked them", async (t) => {
  const memory = new ExactLessonMemory(new HashedLexicalEmbeddings());
  // Every lesson names every answer: the guard blocks each one it is asked to show.
  const policy = alternatingPolicy({
    lessonText: () => PROBLEMS.map((p) => `- Results like ${p.answer} come from multiplying.`).join("\n"),
  });
  const trainer = new LanpoTrainer({
    ...options(policy, { distil: true, memory, groupSize: 8 }),
    mix: { reflection: 0, abstraction: 0.5, both: 0 },
  });
  const events: number[] = [];
  trainer.on("leakage-blocked", (e) => events.push(e.step));
  const reports = await collect(trainer, PROBLEMS, 4, 2);
  t.true(events.length > 0);
  t.deepEqual(
    reports.map((r) => r.leakageBlocks),
    reports.map((r) => events.filter((s) => s === r.step).length),
  );
  t.is(
    reports.reduce((a, r) => a + r.leakageBlocks, 0),
    trainer.leakageBlocks,
  );
});

test("a caller that stops reading after a step leaves nothing running, and a second run completes the rest", async (t) => {
  const pool = new InMemoryExperiencePool();
  const { policy, calls } = timedPolicy(() => 30);
  const trainer = new LanpoTrainer(options(policy, { pool }));
  for await (const report of trainer.run(EIGHT, { steps: 4, batchSize: 2 })) {
    t.is(report.step, 0);
    break;
  }
  const after = calls.length;
  await sleep(200);
  t.is(calls.length, after, "no call started after run() returned");
  const again = new LanpoTrainer(options(policy, { pool }));
  const rest = await collect(again, EIGHT, 4, 2);
  t.deepEqual((await pool.finishedSteps()).sort(), [0, 1, 2, 3]);
  // Groups step 1 stored before the stop are kept, not redone: each group is stored once.
  t.is((await pool.stats()).groups, 4 * 2);
  t.true(rest.every((r) => r.step > 0));
});

test("overlapSteps must be a boolean", (t) => {
  const error = t.throws(() => new LanpoTrainer(options(alternatingPolicy(), { overlapSteps: "yes" as never })), {
    instanceOf: ConfigError,
  });
  t.regex(error?.message ?? "", /overlapSteps/);
});
