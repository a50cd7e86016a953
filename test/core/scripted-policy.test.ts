import { gsm8kReward, LanpoTrainer, parseLessons, ScriptedPolicy } from "@lanpo/core";
import test from "ava";
import { PROBLEMS } from "./trainer-fixtures.js";

test("it answers right at about its success rate, deterministically for a seed", async (t) => {
  const run = async (seed: number) => {
    const policy = new ScriptedPolicy({ problems: PROBLEMS, successRate: 0.3, seed });
    const trainer = new LanpoTrainer({
      policy,
      reward: gsm8kReward,
      groupSize: 16,
      seed,
      distil: false,
      concurrency: 1,
    });
    const report = await trainer.step(PROBLEMS, 0);
    return report.rollouts.map((r) => r.reward);
  };
  const rewards = await run(5);
  const mean = rewards.reduce<number>((a, b) => a + (b ?? 0), 0) / rewards.length;
  t.true(mean > 0.1 && mean < 0.5, `mean reward ${mean}`);
  t.deepEqual(await run(5), rewards);
});

test("it announces itself when a run starts, and writes parseable critiques and lessons", async (t) => {
  const policy = new ScriptedPolicy({ problems: PROBLEMS, successRate: 0.5 });
  const trainer = new LanpoTrainer({ policy, reward: gsm8kReward, groupSize: 4 });
  const notices: string[] = [];
  trainer.on("run-start", (e) => notices.push(...e.notices));
  let lessons = 0;
  for await (const report of trainer.run(PROBLEMS, { steps: 3, batchSize: 4 }))
    lessons += report.lessons.added + report.lessons.merged;
  t.is(notices.length, 1);
  t.regex(notices[0] ?? "", /for wiring, not for results/);
  t.true(lessons > 0);
  const reply = await policy.invoke([
    ["system", "[lanpo:abstract] distil"],
    ["human", "Problem: x"],
  ]);
  t.true(parseLessons(reply.text, { maxLessons: 3, maxChars: 400 }).length >= 1);
});
