import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { DatasetError } from "@lanpo/core";
import { isEquivalent, warmUpComputeEngine } from "@lanpo/verify";
import { Command } from "commander";
import { z } from "zod";

/** Where `lanpo verify` reads and writes; injectable so tests run it in-process. */
export interface VerifyCommandIo {
  /** Read by `--jsonl -`. @default process.stdin */
  stdin?: Readable;
  /** Verdicts. @default process.stdout */
  stdout?: Writable;
  /** One message per malformed line. @default process.stderr */
  stderr?: Writable;
}

const HELP_AFTER = `
Examples:
  lanpo verify --gold '\\frac{1}{2}' --pred 'The answer is $0.5$.'     prints true
  lanpo verify --jsonl pairs.jsonl > verdicts.jsonl
  cat pairs.jsonl | lanpo verify --jsonl -

--jsonl reads one {"gold": "...", "pred": "..."} object a line and writes one
{"equal": true|false, "reason": "..."} line per input line, in order (blank lines are skipped).
A malformed line gets {"line": N, "error": "..."} in its place on stdout and a message on stderr;
the other lines still get their verdicts, and the command then exits with status 2.`;

/** Longest wait for Compute Engine's worker to start; past it, verdicts go on without it. */
const WARM_UP_LIMIT_MS = 5000;

/** Start the fallback's worker, so its start-up is not charged to a verdict's time budget. */
async function warmUp(): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, WARM_UP_LIMIT_MS);
    timer.unref();
  });
  await Promise.race([warmUpComputeEngine().catch(() => undefined), limit]);
  clearTimeout(timer);
}

/**
 * One verdict. Compute Engine's worker takes a second or two to start, so it is started only
 * when our own grammar could not decide a pair that has LaTeX in it, and the pair is then redone.
 */
async function decide(gold: string, pred: string): Promise<{ equal: boolean; reason: string }> {
  const fast = isEquivalent(gold, pred, { computeEngineFallback: false });
  if (fast.equal || fast.reason !== "text" || !(gold.includes("\\") || pred.includes("\\"))) return fast;
  await warmUp();
  return isEquivalent(gold, pred);
}

const PairSchema = z.object({ gold: z.string(), pred: z.string() });

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "line"}: ${i.message}`).join("; ");
}

async function verifyJsonl(file: string, io: Required<VerifyCommandIo>): Promise<void> {
  const source = file === "-" ? io.stdin : createReadStream(file, { encoding: "utf8" });
  const opened = new Promise<void>((resolve, reject) => {
    if (file === "-") resolve();
    source.once("open", () => resolve());
    source.once("error", reject);
  });
  try {
    await opened;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new DatasetError(
      file,
      undefined,
      `cannot read it (${code}); check the path, or pass - to read standard input`,
    );
  }
  const bad: number[] = [];
  let lineNumber = 0;
  for await (const raw of createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNumber++;
    const line = raw.trim();
    if (line === "") continue;
    let message: string | undefined;
    let pair: { gold: string; pred: string } | undefined;
    try {
      const parsed = PairSchema.safeParse(JSON.parse(line));
      if (parsed.success) pair = parsed.data;
      else message = `expected {"gold": string, "pred": string}: ${describe(parsed.error)}`;
    } catch (error) {
      message = `not valid JSON (${(error as Error).message})`;
    }
    if (pair) {
      const { equal, reason } = await decide(pair.gold, pair.pred);
      io.stdout.write(`${JSON.stringify({ equal, reason })}\n`);
    } else {
      bad.push(lineNumber);
      io.stdout.write(`${JSON.stringify({ line: lineNumber, error: message })}\n`);
      io.stderr.write(`lanpo verify: ${file}:${lineNumber}: ${message}\n`);
    }
  }
  if (bad.length > 0) {
    throw new DatasetError(
      file,
      bad[0],
      `${bad.length} malformed line(s) (${bad.slice(0, 10).join(", ")}${bad.length > 10 ? ", …" : ""}); each line must be one JSON object {"gold": "...", "pred": "..."}`,
    );
  }
}

/**
 * `lanpo verify`: `--gold G --pred P` prints `true` or `false` (exit 0 either way);
 * `--jsonl FILE|-` writes one `{"equal", "reason"}` line per input line.
 */
export function verifyCommand(io: VerifyCommandIo = {}): Command {
  const streams: Required<VerifyCommandIo> = {
    stdin: io.stdin ?? process.stdin,
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
  };
  const command = new Command("verify")
    .description("decide whether predicted math answers match gold answers (the reward of lanpo run)")
    .option("--gold <answer>", "gold answer or solution")
    .option("--pred <answer>", "predicted answer or whole completion")
    .option("--jsonl <file>", 'JSONL of {"gold", "pred"} objects; - reads standard input')
    .addHelpText("after", HELP_AFTER)
    .action(async (flags: { gold?: string; pred?: string; jsonl?: string }) => {
      const pairMode = flags.gold !== undefined || flags.pred !== undefined;
      if (pairMode && flags.jsonl !== undefined)
        command.error("lanpo verify: use either --gold/--pred or --jsonl, not both");
      if (flags.jsonl === undefined && (flags.gold === undefined || flags.pred === undefined))
        command.error("lanpo verify: give both --gold and --pred, or --jsonl FILE (- for standard input)");
      if (flags.jsonl !== undefined) return verifyJsonl(flags.jsonl, streams);
      streams.stdout.write(`${(await decide(flags.gold as string, flags.pred as string)).equal}\n`);
    });
  command.configureOutput({ writeErr: (s) => streams.stderr.write(s), writeOut: (s) => streams.stdout.write(s) });
  return command;
}
