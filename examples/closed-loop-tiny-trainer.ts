// The closed loop with a real (tiny) policy: LANPO and its plain-GRPO baseline each train their own fresh
// PyTorch policy. `python -m lanpo_trainer serve --backend tiny` (packages/ray/trainer) is both the policy's
// OpenAI-compatible server and the trainer's ingest; `lanpo run --optimizer ray` samples from it, verifies,
// and sends each step's batch back, which the trainer turns into a gradient update and a new policy
// version. Then `lanpo compare` on the two runs.
//
// Needs: a Python with PyTorch (Debian's python3-torch at /usr/bin/python3; set LANPO_PYTHON to use
// another). Without one it prints "skipped" and exits 0. Nothing else: the task (packages/ray/trainer/
// tasks/closed-loop.jsonl: "what is one more than N?") is made for a policy this small, and both
// trainers run on loopback. On a Ray cluster the same run takes `ingestUrl`/`rayAddress`/`launch` instead.
// Kept short (8 steps) so it runs in well under a minute on 2 cores: the curves only start to part.
// Writes: runs/examples/closed-loop-tiny-trainer/ (a run folder per arm with report.html, the trainers'
// state folders, compare.html). runs/ is gitignored.
// Run:   npx tsx examples/closed-loop-tiny-trainer.ts   (imports the built packages: `npm run build` once first)
//        npx tsx --conditions=source examples/closed-loop-tiny-trainer.ts   (straight from the sources, no build)
//        or cell by cell in an editor that understands `// %%` (VS Code, Jupyter's percent format)

// %% Find a Python that imports torch, or skip
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  compareRuns,
  executeRun,
  formatComparisonTable,
  type RunData,
  readRunData,
  renderComparison,
  resolveRunConfig,
} from "@lanpo/cli";

const root = fileURLToPath(new URL("../", import.meta.url));
const trainerDir = join(root, "packages/ray/trainer");
const task = join(trainerDir, "tasks/closed-loop.jsonl");
const out = join(root, "runs/examples/closed-loop-tiny-trainer");

// LANPO_PYTHON, when set, is the only Python tried.
const candidates = process.env.LANPO_PYTHON ? [process.env.LANPO_PYTHON] : ["/usr/bin/python3", "python3"];
const python = candidates.find(
  (p) => spawnSync(p, ["-c", "import torch"], { stdio: "ignore", timeout: 60_000 }).status === 0,
);
if (python === undefined) {
  console.log(
    `closed-loop-tiny-trainer: skipped, no Python that imports torch among ${candidates.join(", ")} (install python3-torch, or set LANPO_PYTHON)`,
  );
  process.exit(0);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
console.log(`PyTorch from ${python}`);

// %% Two fresh tiny trainers on loopback, one per arm
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function startTrainer(name: string): Promise<{ url: string; child: ChildProcess; exited: Promise<unknown> }> {
  const port = await freePort();
  const args = ["-m", "lanpo_trainer", "serve", "--backend", "tiny", "--port", String(port)];
  const child = spawn(python as string, [...args, "--state", join(out, `${name}-trainer-state`)], {
    cwd: root,
    env: { ...process.env, PYTHONPATH: trainerDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let log = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${name} trainer did not start in 120 s:\n${log}`)), 120_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("lanpo_trainer: serving")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    exited.then(() => reject(new Error(`the ${name} trainer exited before it listened:\n${log}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child, exited };
}

const arms = { lanpo: "none", grpo: "grpo" } as const;
const trainers = await Promise.all(Object.keys(arms).map((arm) => startTrainer(arm)));
console.log(`trainers: ${trainers.map((t) => t.url).join(", ")}`);

// %% Train both arms at once: the same task, seed, group, steps and batch; GRPO with no language feedback
const steps = 8;
const silent = { write: () => true };
const groups = new Map<string, RunData[]>();
try {
  await Promise.all(
    Object.entries(arms).map(async ([arm, baseline], i) => {
      const url = trainers[i]?.url as string;
      const dir = join(out, arm);
      const flags = { dataset: task, modelUrl: `${url}/v1`, model: "tiny", optimizer: "ray", ingestUrl: url };
      const run = resolveRunConfig({
        flags: { ...flags, limit: 32, steps, seed: 1, baseline, embeddings: "lexical", out: dir },
        env: {},
      });
      await executeRun({ run, overwrite: true, quiet: true, stdout: silent });
      groups.set(arm, [await readRunData(dir)]);
    }),
  );
} finally {
  for (const trainer of trainers) trainer.child.kill("SIGTERM");
  await Promise.all(trainers.map((t) => t.exited));
}

// %% Both learning curves, step by step (policy version: the trainer's, after each update)
const curve = (arm: string) => groups.get(arm)?.[0]?.steps ?? [];
console.log("mean reward per step (policy version the step sampled from):");
console.table(
  curve("lanpo").map((s, i) => {
    const g = curve("grpo")[i];
    return {
      step: s.step,
      lanpo: `${s.meanReward?.toFixed(3) ?? "-"} (${s.policyVersion ?? "-"})`,
      grpo: `${g?.meanReward?.toFixed(3) ?? "-"} (${g?.policyVersion ?? "-"})`,
    };
  }),
);

// %% The compare table and page
const comparison = compareRuns(groups);
console.log(formatComparisonTable(comparison));
const page = join(out, "compare.html");
writeFileSync(page, await renderComparison(comparison, { generatedAt: new Date().toISOString() }));
console.log(
  `compare page: ${page}\nrun reports: ${join(out, "lanpo", "report.html")}, ${join(out, "grpo", "report.html")}`,
);

// %% What to read into it
const lanpo = groups.get("lanpo")?.[0]?.summary;
console.log(
  `both policies learn (reward per step rises as the policy version goes up). One seed and ${steps} steps is too little to tell the arms apart, and this tiny policy writes no lesson the parser can read (${lanpo?.lessonsUnparsed ?? 0} replies), so LANPO's feedback here is reflection only; run more seeds with lanpo compare --arm for a verdict`,
);
