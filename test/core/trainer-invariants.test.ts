// The rules of DESIGN.md section 4, each checked on what the models were actually sent.

import type { Rollout, StepReport } from "@lanpo/core";
import {
  ExactLessonMemory,
  gsm8kReward,
  HashedLexicalEmbeddings,
  type InMemoryExperiencePool,
  LanpoTrainer,
  mentionsAnswer,
} from "@lanpo/core";
import test from "ava";
import { alternatingPolicy, kindOf, PROBLEMS, userText, withoutOwnAttempt } from "./trainer-fixtures.js";

async function collect(trainer: LanpoTrainer, steps: number, batchSize = PROBLEMS.length): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  for await (const report of trainer.run(PROBLEMS, { steps, batchSize })) reports.push(report);
  return reports;
}

function trainerWith(policy = alternatingPolicy(), extra: Partial<ConstructorParameters<typeof LanpoTrainer>[0]> = {}) {
  return new LanpoTrainer({
    policy,
    reward: gsm8kReward,
    groupSize: 8,
    mix: { reflection: 0.25, abstraction: 0.25, both: 0.125 },
    retrieval: { k: 3, minScore: -1 },
    seed: 7,
    ...extra,
  });
}

test("no gold answer and no reward reaches any prompt, except inside the policy's own quoted attempt", async (t) => {
  // The abstractor leaks on purpose: every lesson it writes names the answer of another problem.
  const policy = alternatingPolicy({
    lessonText: () =>
      PROBLEMS.map((p) => `- When the count is large, remember results like ${p.answer} come from multiplying.`).join(
        "\n",
      ),
  });
  const trainer = trainerWith(policy);
  const reports = await collect(trainer, 4);
  const rollouts = reports.flatMap((r) => r.rollouts);
  t.true(
    rollouts.some((r) => r.feedback === "reflection" || r.feedback === "both"),
    "reflection contexts were built",
  );
  for (const call of policy.calls) {
    const text = withoutOwnAttempt(userText(call.messages) + call.messages.map((m) => m.content).join("\n"));
    const kind = kindOf(call.messages);
    if (kind === "abstract") continue; // distillation may see outcomes; its output is checked below
    const problem = PROBLEMS.find((p) => text.includes(p.question));
    t.truthy(problem, "every rollout or reflection is about a known problem");
    if (!problem) continue;
    t.false(
      mentionsAnswer(text.replace(problem.question, ""), problem.answer),
      `gold ${problem.answer} leaked into a ${kind} prompt`,
    );
    t.notRegex(text, /\b(reward|advantage|incorrect|was (right|wrong))\b/i, `an outcome word reached a ${kind} prompt`);
  }
  t.true(
    reports.some((r) => r.lessons.rejected > 0) || reports.some((r) => r.leakageBlocks > 0),
    "leaky lessons were caught",
  );
});

test("the leakage guard blocks a stored lesson that names the target's answer, and counts it", async (t) => {
  const memory = new ExactLessonMemory(new HashedLexicalEmbeddings());
  await memory.add([
    {
      text: "For reading problems the total is often 391 pages.",
      sourceProblemIds: ["other"],
      // A similar question (other numbers), not the same one: its twin's lessons are never retrieved.
      problemText: "Ann reads 12 pages a day for 30 days. How many pages does she read?",
    },
  ]);
  const policy = alternatingPolicy();
  const trainer = trainerWith(policy, { memory, distil: false });
  const blocked: string[] = [];
  trainer.on("leakage-blocked", (e) => blocked.push(e.problemId));
  const [report] = await collect(trainer, 1);
  t.true(blocked.includes("p2"));
  t.true((report?.leakageBlocks ?? 0) >= 1);
  for (const call of policy.calls) {
    const text = userText(call.messages);
    if (text.startsWith(PROBLEMS[1]!.question)) t.false(text.includes("391 pages"));
  }
});

test("reflections quote right and wrong attempts alike", async (t) => {
  const policy = alternatingPolicy();
  const trainer = trainerWith(policy, { attemptSelection: "random" });
  await collect(trainer, 6);
  const quoted = policy.calls.filter((c) => kindOf(c.messages) === "reflect").map((c) => userText(c.messages));
  t.true(quoted.length >= 4);
  const right = quoted.filter((q) =>
    PROBLEMS.some((p) => q.startsWith(`Problem:\n${p.question}`) && q.includes(`\\boxed{${p.answer}}`)),
  );
  t.true(right.length > 0, "some reflected attempts were right");
  t.true(right.length < quoted.length, "some reflected attempts were wrong");
});

test("a problem never receives lessons distilled from itself", async (t) => {
  const memory = new ExactLessonMemory(new HashedLexicalEmbeddings());
  const trainer = trainerWith(alternatingPolicy(), { memory });
  const reports = await collect(trainer, 5);
  let withLessons = 0;
  for (const rollout of reports.flatMap((r) => r.rollouts)) {
    for (const id of rollout.lessonIds) {
      withLessons++;
      const lesson = await memory.get(id);
      t.false(
        lesson?.sourceProblemIds.includes(rollout.problemId) ?? true,
        `lesson ${id} came from ${rollout.problemId}`,
      );
    }
  }
  t.true(withLessons > 0, "lessons were retrieved at all");
});

test("every group keeps from-scratch rollouts, whatever the mix", async (t) => {
  const trainer = trainerWith(alternatingPolicy(), {
    groupSize: 4,
    mix: { reflection: 0.33, abstraction: 0.33, both: 0.33 },
  });
  const reports = await collect(trainer, 4);
  const groups = new Map<string, Rollout[]>();
  for (const r of reports.flatMap((x) => x.rollouts))
    groups.set(`${r.step}/${r.problemId}`, [...(groups.get(`${r.step}/${r.problemId}`) ?? []), r]);
  t.is(groups.size, 16);
  for (const [key, rollouts] of groups)
    t.true(
      rollouts.some((r) => r.feedback === "scratch"),
      `group ${key} has no scratch rollout`,
    );
});

test("every rollout records exactly the feedback it saw", async (t) => {
  const policy = alternatingPolicy();
  const trainer = trainerWith(policy);
  const reports = await collect(trainer, 4);
  const rollouts = reports.flatMap((r) => r.rollouts);
  const kinds = new Set(rollouts.map((r) => r.feedback));
  t.deepEqual([...kinds].sort(), ["abstraction", "both", "reflection", "scratch"]);
  for (const r of rollouts) {
    const text = userText(r.messages);
    t.is(r.policyVersion, "local");
    t.is(r.feedback === "scratch", JSON.stringify(r.messages) === JSON.stringify(r.originalMessages));
    t.is(r.feedback === "reflection" || r.feedback === "both", r.reflectionId !== undefined);
    t.is(r.feedback === "reflection" || r.feedback === "both", text.includes("<attempt>"));
    t.is(r.feedback === "abstraction" || r.feedback === "both", r.lessonIds.length > 0);
    t.is(r.feedback === "abstraction" || r.feedback === "both", text.includes("Lessons from solving similar problems"));
    t.is(r.feedback === "scratch", r.feedbackTokens === 0);
  }
  const pool = trainer.pool as InMemoryExperiencePool;
  t.is((await pool.stats()).rollouts, rollouts.length, "the pool holds every rollout");
});
