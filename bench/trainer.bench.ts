// Trainer figures (issue 8), each beside a baseline measured in the same run:
//  1. Step time with a fake policy at 200 ms a call, distillation on, reflection in the mix,
//     concurrency large enough for a whole step: median step time against the critical path of one
//     critique then one rollout, measured here as two plain .invoke calls (target <= 1.1x).
//  2. Throughput at concurrency 64, 100 steps x 64 problems x G=8: model calls per second against
//     the ideal 64 / 0.2 s (target >= 0.98); RSS from step 10 to step 100 (within 10%); the outbox
//     file once batches are acknowledged (flat).
//  3. Trainer overhead per rollout with an instant policy, SQLite pool, fsync'd outbox and the
//     verifier-backed leakage guard on, beside a plain sequential .invoke loop (target median <= 0.3 ms).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChatMessageRecord, Problem } from "@lanpo/core";
import { gsm8kReward, LanpoTrainer, OutboxOptimizer, SqliteExperiencePool } from "@lanpo/core";
import { MockChatModel } from "@lanpo/core/testing";
import { createVerifierAnswerMatcher } from "@lanpo/verify";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const pass = (ok: boolean) => (ok ? "PASS" : "FAIL");

function problems(n: number): Problem[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `b${i}`,
    question: `Problem ${i}: a shop sells ${i + 3} boxes of ${(i % 7) + 2} apples each. How many apples are sold?`,
    answer: String((i + 3) * ((i % 7) + 2)),
  }));
}

/** Answers right half the time, critiques and distils like a model would, and keeps no record. */
function fakePolicy(delayMs: number): MockChatModel {
  const model = new MockChatModel({
    delayMs,
    respond: (messages: ChatMessageRecord[], i: number) => {
      const system = messages[0]?.content ?? "";
      if (system.includes("[lanpo:reflect]")) return "The second step multiplies the wrong quantities.";
      if (system.includes("[lanpo:abstract]"))
        return `- Multiply the count of boxes by the items per box (${i % 5}).\n- Check units.`;
      const user = messages.at(-1)?.content ?? "";
      const m = /sells (\d+) boxes of (\d+)/.exec(user);
      const right = (m ? Number(m[1]) * Number(m[2]) : 0) + (i % 2);
      return `Multiplying gives \\boxed{${right}}.`;
    },
  });
  model.record = false;
  return model;
}

async function setup(dir: string, delayMs: number, concurrency: number) {
  const pool = SqliteExperiencePool.open(join(dir, "pool.sqlite"));
  const optimizer = await OutboxOptimizer.open({ directory: join(dir, "outbox") });
  const policy = fakePolicy(delayMs);
  const trainer = new LanpoTrainer({
    policy,
    reward: gsm8kReward,
    matcher: createVerifierAnswerMatcher(),
    pool,
    optimizer,
    groupSize: 8,
    concurrency,
    retrieval: { k: 3, minScore: 0.3 },
    seed: 1,
  });
  return { trainer, pool, optimizer, policy };
}

async function stepTime() {
  const dir = mkdtempSync(join(tmpdir(), "lanpo-bench-"));
  const { trainer, pool, optimizer, policy } = await setup(dir, 200, 4096);
  const set = problems(16);
  const times: number[] = [];
  let step = 0;
  for await (const report of trainer.run(set, { steps: 12, batchSize: 16 })) {
    // From step 2 on, every group has an earlier attempt to reflect on and lessons to wait for.
    if (step++ >= 2) times.push(report.latencyMs.step);
  }
  await pool.close();
  await optimizer.close();
  const critical: number[] = [];
  const messages = [
    ["system", "[lanpo:reflect] review"],
    ["human", set[0]?.question ?? ""],
  ] as [string, string][];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await policy.invoke(messages);
    await policy.invoke(messages);
    critical.push(performance.now() - started);
  }
  rmSync(dir, { recursive: true, force: true });
  const ours = median(times);
  const base = median(critical);
  console.log("1. Step time, fake policy 200 ms/call, 16 problems x G=8, distillation on, reflection in the mix");
  console.log(`   LanpoTrainer median step (steps 3-12): ${ours.toFixed(0)} ms`);
  console.log(`   baseline, one critique then one rollout (two plain .invoke calls): ${base.toFixed(0)} ms`);
  console.log(`   ratio ${(ours / base).toFixed(3)}   target <= 1.1 -> ${pass(ours / base <= 1.1)}`);
}

async function throughput() {
  const dir = mkdtempSync(join(tmpdir(), "lanpo-bench-"));
  const delayMs = 200;
  const concurrency = 64;
  const { trainer, pool, optimizer, policy } = await setup(dir, delayMs, concurrency);
  const set = problems(2048);
  const rss: number[] = [];
  const outboxBytes: number[] = [];
  const started = performance.now();
  let step = 0;
  for await (const _ of trainer.run(set, { steps: 100, batchSize: 64 })) {
    gc();
    rss.push(process.memoryUsage().rss);
    outboxBytes.push(statSync(join(dir, "outbox", "outbox.jsonl")).size);
    if (++step % 20 === 0) process.stderr.write(`   ... step ${step}/100\n`);
  }
  const seconds = (performance.now() - started) / 1000;
  const acks = statSync(join(dir, "outbox", "acks.jsonl")).size;
  await pool.close();
  await optimizer.close();
  rmSync(dir, { recursive: true, force: true });
  const calls = policy.callCount;
  const ideal = concurrency / (delayMs / 1000);
  const achieved = calls / seconds;
  const rss10 = rss[9] as number;
  const rss100 = rss[99] as number;
  const growth = (rss100 - rss10) / rss10;
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  const maxLate = Math.max(...outboxBytes.slice(40));
  console.log(
    `2. Throughput, fake policy ${delayMs} ms/call, concurrency ${concurrency}, 100 steps x 64 problems x G=8`,
  );
  console.log(
    `   model calls (rollouts + reflections + distillations): ${calls} in ${seconds.toFixed(1)} s = ${achieved.toFixed(1)} calls/s`,
  );
  console.log(
    `   ideal ${concurrency} / ${delayMs / 1000} s = ${ideal.toFixed(0)} calls/s; ratio ${(achieved / ideal).toFixed(3)}   target >= 0.98 -> ${pass(achieved / ideal >= 0.98)}`,
  );
  console.log(
    `   RSS step 10 ${mib(rss10)} MiB -> step 100 ${mib(rss100)} MiB: ${(growth * 100).toFixed(1)}%   target within 10% -> ${pass(Math.abs(growth) <= 0.1)}`,
  );
  console.log(
    `   outbox.jsonl at step 10 ${mib(outboxBytes[9] as number)} MiB, largest from step 40 on ${mib(maxLate)} MiB, at step 100 ${mib(outboxBytes[99] as number)} MiB (acks.jsonl ${mib(acks)} MiB)   flat -> ${pass(maxLate <= 1.05 * Math.max(...outboxBytes.slice(0, 40)))}`,
  );
}

async function overhead() {
  const dir = mkdtempSync(join(tmpdir(), "lanpo-bench-"));
  const { trainer, pool, optimizer, policy } = await setup(dir, 0, 64);
  const set = problems(256);
  const perRollout: number[] = [];
  let steps = 0;
  for await (const report of trainer.run(set, { steps: 40, batchSize: 32 })) {
    if (steps++ >= 5) perRollout.push(report.latencyMs.step / report.rollouts.length);
  }
  await pool.close();
  await optimizer.close();
  // Baseline: the same model called plainly, one .invoke after another.
  const messages = [
    ["system", "Solve the problem."],
    ["human", set[0]?.question ?? ""],
  ] as [string, string][];
  const plain: number[] = [];
  for (let round = 0; round < 40; round++) {
    const started = performance.now();
    for (let i = 0; i < 256; i++) await policy.invoke(messages);
    plain.push((performance.now() - started) / 256);
  }
  rmSync(dir, { recursive: true, force: true });
  const ours = median(perRollout);
  const base = median(plain);
  console.log(
    "3. Trainer time per rollout, instant fake policy, SQLite pool + fsync'd outbox + verifier-backed guard, G=8, 32 problems/step",
  );
  console.log(
    `   LanpoTrainer (context, call, reward, advantages, pool, distil, guard, outbox): median ${ours.toFixed(3)} ms/rollout  (${(1000 / ours).toFixed(0)} rollouts/s)`,
  );
  console.log(`   baseline, plain sequential LangChain .invoke on the same model: median ${base.toFixed(3)} ms/call`);
  console.log(
    `   ratio trainer/plain invoke: ${(ours / base).toFixed(2)}x   target: median <= 0.3 ms/rollout -> ${pass(ours <= 0.3)}`,
  );
}

const only = process.env.LANPO_BENCH_PART;
if (!only || only === "1") await stepTime();
if (!only || only === "2") await throughput();
if (!only || only === "3") await overhead();
