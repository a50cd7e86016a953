// Resume is by the pool: a group the pool holds is never redone, and a step's batch is rebuilt from
// the pool, so nothing verified is lost when a run dies between two groups.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ExperiencePool, LanpoTrainerOptions, StepReport, VerifiedGroup } from "@lanpo/core";
import {
  ConfigError,
  gsm8kReward,
  InMemoryExperiencePool,
  InMemoryOptimizer,
  LanpoTrainer,
  OutboxOptimizer,
  SqliteExperiencePool,
  StorageError,
  type TrainingBatch,
} from "@lanpo/core";
import test from "ava";
import { RecordingSink } from "../fixtures/pool-batches.js";
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

test("a second run over the same pool skips finished steps: no group redone, nothing resent", async (t) => {
  const pool = new InMemoryExperiencePool();
  const optimizer = new InMemoryOptimizer();
  await collect(new LanpoTrainer(base({ pool, optimizer })), 2);
  const policy = alternatingPolicy();
  const resumed = new LanpoTrainer(base({ pool, optimizer, policy }));
  const statuses: string[] = [];
  resumed.on("batch-submitted", (e) => statuses.push(e.status));
  let finished = -1;
  resumed.on("run-start", (e) => {
    finished = e.finishedSteps;
  });
  const second = await collect(resumed, 3);
  t.is(finished, 2);
  t.deepEqual(
    second.map((r) => r.step),
    [2],
    "only the step not yet finished is run and reported",
  );
  t.deepEqual(statuses, ["acknowledged"]);
  const rolloutCalls = policy.calls.filter((c) => kindOf(c.messages) === "rollout").length;
  t.is(rolloutCalls, 2 * 4, "only step 2's groups called the policy");
  const ids = optimizer.batches.flatMap((b) => b.samples.map((s) => s.rolloutId));
  t.is(new Set(ids).size, ids.length, "the trainer received every rollout once");
});

test("run() again on the same pool without a runId resumes under the stored id", async (t) => {
  const pool = new InMemoryExperiencePool();
  const optimizer = new InMemoryOptimizer();
  const { runId: _omit, ...withoutId } = base({ pool, optimizer });
  const first = new LanpoTrainer(withoutId);
  await collect(first, 1);
  const stored = first.runId;
  t.truthy(stored);
  const again = new LanpoTrainer({ ...withoutId, policy: alternatingPolicy() });
  await collect(again, 2);
  t.is(again.runId, stored);
  t.deepEqual(
    optimizer.batches.map((b) => b.batchId),
    [`${stored}:step-0`, `${stored}:step-1`],
  );
  const ids = optimizer.batches.flatMap((b) => b.samples.map((s) => s.rolloutId));
  t.is(new Set(ids).size, ids.length);
  const other = new LanpoTrainer({ ...withoutId, runId: "another-run" });
  await t.throwsAsync(collect(other, 3), { instanceOf: ConfigError, message: /belongs to run/ });
});

test("resume starts where it stopped: finished steps are not read again", async (t) => {
  const inner = new InMemoryExperiencePool();
  await collect(new LanpoTrainer(base({ pool: inner })), 3);
  const reads: string[] = [];
  class Spy extends InMemoryExperiencePool {}
  const spy = new Proxy(inner, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (["hasGroup", "rolloutsOfStep", "rolloutsOfGroup"].includes(String(name)))
          reads.push(`${String(name)}:${String(args[1] ?? args[0])}`);
        return value.apply(target, args);
      };
    },
  }) as unknown as Spy;
  const reports = await collect(new LanpoTrainer(base({ pool: spy })), 4);
  t.deepEqual(
    reports.map((r) => r.step),
    [3],
  );
  t.false(
    reads.some((r) => /:(0|1|2)$/.test(r)),
    `finished steps were read again: ${reads.join(", ")}`,
  );
});

test("a pool failure mid-step stops the step with the error; resuming finishes only what is missing", async (t) => {
  const inner = new InMemoryExperiencePool();
  let writes = 0;
  class FlakyPool extends InMemoryExperiencePool {
    override async recordGroup(group: VerifiedGroup): Promise<void> {
      if (++writes === 2) throw new StorageError("pool.sqlite", "database or disk is full", { code: "SQLITE_FULL" });
      return inner.recordGroup(group);
    }
  }
  const flaky = new Proxy(new FlakyPool(), {
    get(target, name) {
      if (name === "recordGroup") return target.recordGroup.bind(target);
      const value = Reflect.get(inner, name, inner);
      return typeof value === "function" ? value.bind(inner) : value;
    },
  }) as ExperiencePool;
  const options = base({ pool: flaky, groupSize: 4 });
  await t.throwsAsync(collect(new LanpoTrainer(options), 1), { instanceOf: StorageError, message: /disk is full/ });
  t.is((await inner.stats()).groups, 1, "the group written before the failure is kept");
  t.deepEqual(await inner.finishedSteps(), [], "the step is not finished");
  const policy = alternatingPolicy();
  const [report] = await collect(new LanpoTrainer(base({ pool: inner, policy })), 1);
  t.is(report?.resumedGroups, 1);
  t.is(report?.rollouts.length, 8, "the step's report and batch cover both groups");
  t.is(policy.calls.filter((c) => kindOf(c.messages) === "rollout").length, 4);
  t.is((await inner.stats()).groups, 2);
});

test("a process killed between the pool commit and the outbox append loses nothing and sends nothing twice", async (t) => {
  const directory = mkdtempSync(join(tmpdir(), "lanpo-trainer-crash-"));
  const runner = fileURLToPath(new URL("../fixtures/trainer-crash-runner.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import=tsx", "--conditions=source", runner, directory], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  child.stdout.on("data", (chunk: Buffer) => {
    if (chunk.toString().includes("submitting")) child.kill("SIGKILL");
  });
  const signal = await new Promise((resolve) => child.on("exit", (_code, s) => resolve(s)));
  t.is(signal, "SIGKILL", stderr);

  const pool = SqliteExperiencePool.open(join(directory, "pool.sqlite"));
  t.is((await pool.stats()).groups, 2, "both groups of step 0 were durable before the batch was sent");
  t.deepEqual(await pool.finishedSteps(), []);
  const sink = new RecordingSink();
  const optimizer = await OutboxOptimizer.open({ directory: join(directory, "outbox"), sink });
  const policy = alternatingPolicy();
  const trainer = new LanpoTrainer({ policy, reward: gsm8kReward, pool, optimizer, groupSize: 4, seed: 9 });
  const reports: StepReport[] = [];
  for await (const r of trainer.run(PROBLEMS, { steps: 2, batchSize: 2 })) reports.push(r);
  t.is(reports[0]?.resumedGroups, 2, "step 0's groups were not redone");
  t.is(policy.calls.filter((c) => kindOf(c.messages) === "rollout").length, 2 * 4, "only step 1 called the policy");
  const stored = await pool.rolloutsOfStep(0);
  t.is(sink.delivered.length, 2);
  const inbox = readFileSync(join(directory, "outbox", "outbox.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as { batch: TrainingBatch }).batch);
  const step0 = inbox.find((b) => b.step === 0);
  t.deepEqual(step0?.samples.map((s) => s.rolloutId).sort(), stored.map((r) => r.id).sort());
  t.is(step0?.batchId, `${trainer.runId}:step-0`);
  await optimizer.close();
  await pool.close();
});
