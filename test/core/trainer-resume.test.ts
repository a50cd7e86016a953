// Resume is by the pool: a group the pool holds is never redone, and a step's batch is rebuilt from
// the pool, so nothing verified is lost when a run dies between two groups.

import type { ExperiencePool, LanpoTrainerOptions, StepReport, VerifiedGroup } from "@lanpo/core";
import { gsm8kReward, InMemoryExperiencePool, InMemoryOptimizer, LanpoTrainer, StorageError } from "@lanpo/core";
import test from "ava";
import { alternatingPolicy, kindOf, PROBLEMS } from "./trainer-fixtures.js";

async function collect(trainer: LanpoTrainer, steps: number): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  for await (const report of trainer.run(PROBLEMS, { steps, batchSize: 2 })) reports.push(report);
  return reports;
}

const base = (extra: Partial<LanpoTrainerOptions>): LanpoTrainerOptions => ({
  policy: alternatingPolicy(),
  reward: gsm8kReward,
  groupSize: 4,
  seed: 11,
  runId: "run-a",
  ...extra,
});

test("a second run over the same pool redoes no group and resends nothing twice", async (t) => {
  const pool = new InMemoryExperiencePool();
  const optimizer = new InMemoryOptimizer();
  const first = await collect(new LanpoTrainer(base({ pool, optimizer })), 2);
  const policy = alternatingPolicy();
  const resumed = new LanpoTrainer(base({ pool, optimizer, policy }));
  const statuses: string[] = [];
  resumed.on("batch-submitted", (e) => statuses.push(e.status));
  const second = await collect(resumed, 3);
  t.is(second[0]?.resumedGroups, 2);
  t.is(second[1]?.resumedGroups, 2);
  t.is(second[2]?.resumedGroups, 0);
  t.deepEqual(statuses, ["duplicate", "duplicate", "acknowledged"]);
  t.deepEqual(second[0]?.rollouts.map((r) => r.id).sort(), first[0]?.rollouts.map((r) => r.id).sort());
  const rolloutCalls = policy.calls.filter((c) => kindOf(c.messages) === "rollout").length;
  t.is(rolloutCalls, 2 * 4, "only step 2's groups called the policy");
});

test("a pool failure mid-step stops the step with the error; resuming finishes only what is missing", async (t) => {
  const inner = new InMemoryExperiencePool();
  let writes = 0;
  const flaky: ExperiencePool = {
    recordGroup: async (group: VerifiedGroup) => {
      if (++writes === 2) throw new StorageError("pool.sqlite", "database or disk is full", { code: "SQLITE_FULL" });
      return inner.recordGroup(group);
    },
    hasGroup: (id, step) => inner.hasGroup(id, step),
    priorAttempts: (id, options) => inner.priorAttempts(id, options),
    rolloutsOfStep: (step) => inner.rolloutsOfStep(step),
    lastStep: () => inner.lastStep(),
    stats: () => inner.stats(),
    close: () => inner.close(),
  };
  const options = base({ pool: flaky, groupSize: 4 });
  await t.throwsAsync(collect(new LanpoTrainer(options), 1), { instanceOf: StorageError, message: /disk is full/ });
  t.is((await inner.stats()).groups, 1, "the group written before the failure is kept");
  const policy = alternatingPolicy();
  const [report] = await collect(new LanpoTrainer(base({ pool: inner, policy })), 1);
  t.is(report?.resumedGroups, 1);
  t.is(report?.rollouts.length, 8, "the step's report and batch cover both groups");
  t.is(policy.calls.filter((c) => kindOf(c.messages) === "rollout").length, 4);
  t.is((await inner.stats()).groups, 2);
});
