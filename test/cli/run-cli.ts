// Spawns `lanpo` from its TypeScript sources, as a user would run it.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = fileURLToPath(new URL("../../packages/cli/src/bin.ts", import.meta.url));
export const TINY_DATASET = fileURLToPath(new URL("../fixtures/cli-tiny.jsonl", import.meta.url));

// Sentence-encoder vectors are cached by text; keep the tests' cache out of the user's home.
const EMBEDDING_CACHE = mkdtempSync(join(tmpdir(), "lanpo-cli-embeddings-"));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  pid: number | undefined;
  kill(signal: NodeJS.Signals): void;
  done: Promise<CliResult>;
}

/** `input`, when given, is written to the command's standard input, which is then closed. */
export function startCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  input?: string,
): RunningCli {
  const child = spawn(process.execPath, ["--import=tsx", "--conditions=source", BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, OPENAI_API_KEY: undefined, LANPO_CACHE_DIR: EMBEDDING_CACHE, ...env },
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  if (input !== undefined) child.stdin?.end(input);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<CliResult>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { pid: child.pid, kill: (signal) => child.kill(signal), done };
}

export function runCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  input?: string,
): Promise<CliResult> {
  return startCli(args, env, input).done;
}

/**
 * `lanpo run` flags from one object, so tests name each setting once: `{ group: 2, overwrite: true }`
 * gives `["--group", "2", "--overwrite"]`; camelCase keys become kebab-case flags.
 */
export function runFlags(flags: Record<string, string | number | boolean>): string[] {
  return Object.entries(flags).flatMap(([key, value]) => {
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return value === true ? [flag] : value === false ? [] : [flag, String(value)];
  });
}
