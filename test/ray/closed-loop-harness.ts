// Helpers of the closed-loop test, the Python unit-test runner and the closed-loop benchmark: finds a
// Python that imports torch, starts and kills `python -m lanpo_trainer serve`, runs `lanpo run`.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const TRAINER_DIR = join(REPO_ROOT, "packages/ray/trainer");
export const CLOSED_LOOP_TASK = join(TRAINER_DIR, "tasks/closed-loop.jsonl");
const BIN = join(REPO_ROOT, "packages/cli/src/bin.ts");

/** Whether a Python with torch was found, and which, or why not. */
export type TorchPython = { python: string } | { python: null; reason: string };

/** `LANPO_PYTHON`, then Debian's `/usr/bin/python3`, then `python3`: the first that imports torch. */
export function findTorchPython(): TorchPython {
  const candidates = [process.env.LANPO_PYTHON, "/usr/bin/python3", "python3"].filter(
    (p): p is string => typeof p === "string" && p.length > 0,
  );
  for (const python of candidates) {
    const probe = spawnSync(python, ["-c", "import torch"], { stdio: "ignore", timeout: 60_000 });
    if (probe.status === 0) return { python };
  }
  return {
    python: null,
    reason: `no Python that imports torch among ${candidates.join(", ")}; install python3-torch or set LANPO_PYTHON`,
  };
}

/** Whether this checkout's `lanpo run` has `--optimizer` (the Ray optimizer's wiring). */
export function lanpoRunHasOptimizer(): boolean {
  const help = spawnSync(process.execPath, ["--import=tsx", "--conditions=source", BIN, "run", "--help"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return help.status === 0 && help.stdout.includes("--optimizer");
}

/** A free loopback port (bound and released), so a restarted trainer can come back on the same one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface TrainerProcess {
  url: string;
  child: ChildProcess;
  log: () => string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/** Starts `serve --backend tiny` and resolves once it listens (its start line is printed). */
export function startTrainer(options: {
  python: string;
  port: number;
  stateDir: string;
  lr?: number;
  extra?: readonly string[];
}): Promise<TrainerProcess> {
  const args = ["-m", "lanpo_trainer", "serve", "--backend", "tiny", "--port", String(options.port)];
  args.push("--state", options.stateDir, ...(options.lr === undefined ? [] : ["--lr", String(options.lr)]));
  args.push(...(options.extra ?? []));
  const child = spawn(options.python, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, PYTHONPATH: TRAINER_DIR },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`trainer did not start in 120 s:\n${output}`)), 120_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes("lanpo_trainer: serving")) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${options.port}`, child, log: () => output, exited });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`trainer exited (${code}) before it listened:\n${output}`));
    });
  });
}

/** Stops a trainer (SIGTERM, or the signal given) and waits for it to exit. */
export async function stopTrainer(trainer: TrainerProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (trainer.child.exitCode === null && trainer.child.signalCode === null) trainer.child.kill(signal);
  await trainer.exited;
}

export interface TrainerStatus {
  policyVersion: string;
  batchesApplied: number;
  samplesApplied: number;
  queuedSamples: number;
  updates: number;
}

export async function trainerStatus(url: string): Promise<TrainerStatus> {
  const response = await fetch(`${url}/v1/status`);
  return (await response.json()) as TrainerStatus;
}

/** The ledger's lines: every batch the trainer applied, with its rollout ids. */
export function readLedger(stateDir: string): { batchId: string; rolloutIds: string[] }[] {
  const text = readFileSync(join(stateDir, "ledger.jsonl"), "utf8").trim();
  return text ? text.split("\n").map((line) => JSON.parse(line)) : [];
}

export interface LanpoRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** `lanpo run` of the closed loop against a trainer at `url`, with extra flags. */
export function startClosedLoopRun(options: {
  url: string;
  out: string;
  steps: number;
  seed?: number;
  extra?: readonly string[];
  env?: Record<string, string>;
}): LanpoRun {
  const args = [
    "--import=tsx",
    "--conditions=source",
    BIN,
    "run",
    "--dataset",
    CLOSED_LOOP_TASK,
    "--model-url",
    `${options.url}/v1`,
    "--model",
    "tiny",
    "--optimizer",
    "ray",
    "--ingest-url",
    options.url,
    "--steps",
    String(options.steps),
    "--seed",
    String(options.seed ?? 1),
    "--out",
    options.out,
    "--overwrite",
    ...(options.extra ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, OPENAI_API_KEY: undefined, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

export interface RunSummaryFields {
  rewardByStep?: number[];
  firstPolicyVersion?: string | null;
  lastPolicyVersion?: string | null;
}

export function readRunSummary(out: string): RunSummaryFields {
  return JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as RunSummaryFields;
}

export const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
