// Every example runs to the end: they are documentation, and documentation that does not run lies.
// Each runs as a user runs it (no arguments, no environment but PATH and HOME), must exit 0 within the
// 5 minutes the README promises, print what it promises, and leave its plots (inline SVG) behind.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import test from "ava";
import { findTorchPython } from "../ray/closed-loop-harness.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const folder = join(root, "examples");
const outputs = join(root, "runs", "examples");
const FIVE_MINUTES = 300_000;
/** Where a Python with torch is found (CI installs one), an example may not skip for the lack of one. */
const torchFound = findTorchPython().python !== null;

/** What an example promises on stdout, and the files (under runs/examples/NAME/) holding its plots. */
interface ExamplePromise {
  stdout: RegExp[];
  plots: string[];
  /** When stdout matches this, the example skipped on purpose: no plots are expected. */
  skipped?: RegExp;
}

const PROMISES: Record<string, ExamplePromise> = {
  "quickstart.ts": {
    stdout: [/per step \(mean reward; rollouts in brackets\)/, /reflection/, /mean reward \d\.\d\d over 384 rollouts/],
    plots: ["report.html"],
  },
  "lanpo-vs-grpo-gsm8k.ts": {
    stdout: [
      /\| mean reward +\|/,
      /lanpo: mean reward \d\.\d{3} over 3 runs \(sd \d\.\d{3} over seeds\)/,
      /difference in mean reward \(lanpo - grpo\): [+-]\d\.\d{3} ± \d\.\d{3} \(standard error over seeds\)/,
    ],
    plots: ["compare.html", "lanpo-seed1/report.html", "grpo-seed3/report.html"],
  },
  "memory-tuning-math500.ts": {
    stdout: [/200 problems, 7 subjects/, /precision@k/, /abstention/, /best trade-off per embedding/],
    plots: ["tune.html", "tune-default.svg", "tune-lexical.svg"],
  },
  "ablation-principles.ts": {
    stdout: [
      /no-reflection/,
      /no-abstraction/,
      /no-threshold/,
      /leaky-reward: .* the leakage guard blocked [1-9]\d* reviews and \d+ lessons, and [1-9]\d* rollouts still saw a verdict/,
    ],
    plots: ["ablation.html", "full/report.html", "leaky-reward/report.html"],
  },
  "ray-batches.ts": {
    stdout: [
      /deliveries at the ingest/,
      /5 of 5 step batches acknowledged \(each applied once\), 0 left in the outbox/,
    ],
    plots: ["report.html"],
  },
  "closed-loop-tiny-trainer.ts": {
    stdout: [
      /mean reward per step/,
      /policy version first -> last +\| +0 -> 8 +\| +0 -> 8/,
      /difference in mean reward/,
    ],
    plots: ["compare.html", "lanpo/report.html", "grpo/report.html"],
    skipped: /closed-loop-tiny-trainer: skipped, no Python that imports torch/,
  },
  "drop-into-agent.ts": {
    stdout: [/step 0: mean reward/, /step 1: mean reward/, /shown on the first call of round 1/],
    plots: [],
  },
};

// Two examples at a time: the machine has two cores, and each example mostly computes.
let slots = 2;
const waiting: (() => void)[] = [];
async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  if (slots === 0) await new Promise<void>((resolve) => waiting.push(resolve));
  else slots--;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else slots++;
  }
}

const files = readdirSync(folder).filter((f) => f.endsWith(".ts"));

test("every example says what it promises in this test", (t) => {
  t.deepEqual(
    files.filter((f) => !(f in PROMISES)),
    [],
    "add the new example to PROMISES with what it prints and the plots it writes",
  );
});

for (const file of files) {
  const promise = PROMISES[file];
  if (!promise) continue;
  test(`examples/${file} runs to the end, prints its tables and writes its plots`, async (t) => {
    t.timeout(2 * FIVE_MINUTES + 10_000); // waiting for a slot, then at most five minutes of its own
    const name = file.replace(/\.ts$/, "");
    rmSync(join(outputs, name), { recursive: true, force: true });
    const { stdout } = await withSlot(() =>
      run(process.execPath, ["--import=tsx", "--conditions=source", join(folder, file)], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
        timeout: FIVE_MINUTES,
        maxBuffer: 16 * 1024 * 1024,
      }),
    );
    if (promise.skipped?.test(stdout)) {
      t.false(torchFound, "a Python with torch is installed here: the example must run, not skip");
      t.log(stdout.trim());
      return;
    }
    for (const pattern of promise.stdout) t.regex(stdout, pattern);
    for (const plot of promise.plots) {
      const path = join(outputs, name, plot);
      t.true(existsSync(path), `${path} was written`);
      t.true(statSync(path).size > 0, `${path} is not empty`);
      t.true(readFileSync(path, "utf8").includes("<svg"), `${path} holds an inline <svg>`);
    }
  });
}

test("examples/closed-loop-tiny-trainer.ts skips with a message and exits 0 when no Python imports torch", async (t) => {
  const { stdout } = await run(
    process.execPath,
    ["--import=tsx", "--conditions=source", join(folder, "closed-loop-tiny-trainer.ts")],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LANPO_PYTHON: join(root, "no-such-python") },
      timeout: 60_000,
    },
  );
  t.regex(stdout, /closed-loop-tiny-trainer: skipped, no Python that imports torch among .*no-such-python/);
  t.regex(stdout, /install python3-torch, or set LANPO_PYTHON/);
});
