// The closed loop (issue 10): `lanpo run --optimizer ray` against a fresh `python -m lanpo_trainer serve
// --backend tiny` at its default learning rate, beside the same run against a frozen `--lr 0` server
// (the baseline, measured in the same run). Every other setting is the CLI's default; 30 steps, seed 1.
// Prints the reward of each step of both arms, the steps each takes to reach LEVEL, rollouts per second
// through the whole loop (generation, verification, pool, ingest and the gradient step), and the targets:
// learning last-5 mean >= first-5 + 0.2 and >= frozen last-5 + 0.15; frozen moves < 0.15; the policy
// version moves; each arm within 15 minutes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  findTorchPython,
  freePort,
  lanpoRunHasOptimizer,
  mean,
  readRunSummary,
  startClosedLoopRun,
  startTrainer,
  stopTrainer,
  trainerStatus,
} from "../test/ray/closed-loop-harness.js";

const STEPS = Number(process.env.CLOSED_LOOP_STEPS ?? 30);
/** The documented reward level: a 3-step moving mean of at least this. */
const LEVEL = 0.5;

const found = findTorchPython();
if (found.python === null) {
  console.log(`closed-loop: skipped, ${found.reason}`);
  process.exit(0);
}
if (!lanpoRunHasOptimizer()) {
  console.log("closed-loop: skipped, `lanpo run --help` has no --optimizer yet (the Ray optimizer is not wired)");
  process.exit(0);
}
const python = found.python;
const root = mkdtempSync(join(tmpdir(), "lanpo-closed-loop-bench-"));

async function arm(name: string, lr: number | undefined) {
  const stateDir = join(root, `${name}-state`);
  const out = join(root, `${name}-run`);
  const trainer = await startTrainer({ python, port: await freePort(), stateDir, lr });
  const started = performance.now();
  const result = await startClosedLoopRun({ url: trainer.url, out, steps: STEPS, seed: 1 }).done;
  const seconds = (performance.now() - started) / 1000;
  const status = await trainerStatus(trainer.url);
  await stopTrainer(trainer);
  if (result.code !== 0) throw new Error(`${name} arm: lanpo run exited ${result.code}\n${result.stderr}`);
  const summary = readRunSummary(out);
  return { name, seconds, status, summary, rewards: summary.rewardByStep ?? [] };
}

function stepsToLevel(rewards: readonly number[]): number | null {
  for (let i = 2; i < rewards.length; i++) if (mean(rewards.slice(i - 2, i + 1)) >= LEVEL) return i + 1;
  return null;
}

try {
  const learning = await arm("learning", undefined);
  const frozen = await arm("frozen", 0);
  console.log(`closed loop, ${STEPS} steps, seed 1, PyTorch from ${python}`);
  console.log("step  learning  frozen");
  for (let i = 0; i < STEPS; i++) {
    console.log(
      `${String(i).padStart(4)}  ${(learning.rewards[i] ?? Number.NaN).toFixed(3).padStart(8)}  ${(frozen.rewards[i] ?? Number.NaN).toFixed(3).padStart(6)}`,
    );
  }
  const first = (xs: readonly number[]) => mean(xs.slice(0, 5));
  const last = (xs: readonly number[]) => mean(xs.slice(-5));
  for (const a of [learning, frozen]) {
    const reach = stepsToLevel(a.rewards);
    console.log(
      `${a.name.padEnd(8)} first-5 ${first(a.rewards).toFixed(3)}  last-5 ${last(a.rewards).toFixed(3)}  ` +
        `steps to a 3-step mean >= ${LEVEL}: ${reach ?? "not reached"}  ` +
        `${(a.status.samplesApplied / a.seconds).toFixed(1)} rollouts/s  ${a.seconds.toFixed(0)} s  ` +
        `policy ${a.summary.firstPolicyVersion} -> ${a.summary.lastPolicyVersion}`,
    );
  }
  const gain = last(learning.rewards) - first(learning.rewards);
  const overFrozen = last(learning.rewards) - last(frozen.rewards);
  const frozenMove = Math.abs(last(frozen.rewards) - first(frozen.rewards));
  const ratio = last(learning.rewards) / Math.max(last(frozen.rewards), 1e-9);
  console.log(`learning last-5 / frozen last-5: ${ratio.toFixed(2)}x`);
  const checks: [string, boolean][] = [
    [`learning gain ${gain.toFixed(3)} >= 0.2`, gain >= 0.2],
    [`learning over frozen ${overFrozen.toFixed(3)} >= 0.15`, overFrozen >= 0.15],
    [`frozen moved ${frozenMove.toFixed(3)} < 0.15`, frozenMove < 0.15],
    ["policy version moved", learning.summary.firstPolicyVersion !== learning.summary.lastPolicyVersion],
    [
      `each arm within 15 min (${learning.seconds.toFixed(0)} s, ${frozen.seconds.toFixed(0)} s)`,
      Math.max(learning.seconds, frozen.seconds) <= 900,
    ],
  ];
  for (const [what, ok] of checks) console.log(`${ok ? "PASS" : "FAIL"}  ${what}`);
  process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
