import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { DatasetError } from "@lanpo/core";
import { type ExplainedEquivalence, explainEquivalence, isEquivalent, warmUpComputeEngine } from "@lanpo/verify";
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
  lanpo verify --gold 12 --pred 'so there are 12 ways' --explain     true, then the answers found and why
  lanpo verify --jsonl pairs.jsonl > verdicts.jsonl
  cat pairs.jsonl | lanpo verify --jsonl -

--jsonl reads one {"gold": "...", "pred": "..."} object a line and writes one
{"equal": true|false, "reason": "..."} line per input line, in order (blank lines are skipped).
Numbers are read as answers ({"gold": 5, "pred": 5}). A null, empty or missing "pred" is a
completion with no answer: {"equal": false, "reason": "no-answer"}, a scored line.
A line that cannot be read (not JSON, not an object, no "gold") gets {"line": N, "error": "..."}
in its place on stdout and a message on stderr; the other lines still get their verdicts.
With --explain each verdict also carries the answers extracted from both sides.

Exit status: 0 when every line was scored (whatever the verdicts); 2 when some line could not
be read, or on a usage error.`;

/**
 * Longest wait for Compute Engine's worker to start (a second or two, much longer on a loaded
 * machine); past it, verdicts go on without it.
 */
const WARM_UP_LIMIT_MS = 20_000;

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
async function decide(gold: string, pred: string, explain: boolean): Promise<ExplainedEquivalence | Verdict> {
  const judge = explain ? explainEquivalence : isEquivalent;
  const fast = judge(gold, pred, { computeEngineFallback: false });
  if (fast.equal || fast.reason !== "text" || !(gold.includes("\\") || pred.includes("\\"))) return fast;
  await warmUp();
  return judge(gold, pred);
}

type Verdict = { equal: boolean; reason: string };

/** An answer as a JSONL line may give it: a string, or a number standing for its decimal text. */
const Answer = z.union([z.string(), z.number().refine(Number.isFinite, "must be a finite number")]);
/** `pred` may be null, empty or missing: the completion gave no answer, which is a verdict. */
const PairSchema = z.object({
  gold: Answer,
  pred: Answer.nullable().optional(),
});

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "line"}: ${i.message}`).join("; ");
}

/** The verdict line of one readable pair. */
async function verdictLine(pair: z.infer<typeof PairSchema>, explain: boolean): Promise<string> {
  const gold = String(pair.gold);
  const pred = pair.pred === null || pair.pred === undefined ? "" : String(pair.pred);
  if (pred.trim() === "") return JSON.stringify({ equal: false, reason: "no-answer" });
  const v = await decide(gold, pred, explain);
  if (!explain || !("gold" in v)) return JSON.stringify({ equal: v.equal, reason: v.reason });
  return JSON.stringify({
    equal: v.equal,
    reason: v.reason,
    goldAnswer: v.gold.answer ?? null,
    predAnswer: v.pred.answer ?? null,
  });
}

async function verifyJsonl(file: string, io: Required<VerifyCommandIo>, explain: boolean): Promise<void> {
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
    let pair: z.infer<typeof PairSchema> | undefined;
    try {
      const parsed = PairSchema.safeParse(JSON.parse(line));
      if (parsed.success) pair = parsed.data;
      else message = `expected {"gold": string, "pred": string}: ${describe(parsed.error)}`;
    } catch (error) {
      message = `not valid JSON (${(error as Error).message})`;
    }
    if (pair) {
      io.stdout.write(`${await verdictLine(pair, explain)}\n`);
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
      `${bad.length} malformed line(s) (${bad.slice(0, 10).join(", ")}${bad.length > 10 ? ", …" : ""}) could not be scored; each line must be one JSON object {"gold": "...", "pred": "..."}; the other lines were scored`,
    );
  }
}

/** The lines `--explain` prints after the verdict of one pair. */
function explanation(v: ExplainedEquivalence): string {
  const sideText = (name: string, s: ExplainedEquivalence["gold"]) =>
    s.answer === undefined
      ? `${name} answer: (none found)\n`
      : `${name} answer: ${s.answer}  [from ${s.source}; read as ${s.normalized}]\n`;
  return `${sideText("gold", v.gold)}${sideText("pred", v.pred)}reason: ${v.reason}\n`;
}

/**
 * `lanpo verify`: `--gold G --pred P` prints `true` or `false` (exit 0 either way), and with
 * `--explain` the answers extracted and the reason; `--jsonl FILE|-` writes one
 * `{"equal", "reason"}` line per input line (exit 2 when some line could not be read).
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
    .option("--why, --explain", "also print the answers extracted from both sides and the reason of the verdict")
    .addHelpText("after", HELP_AFTER)
    // Commander names the flag after its last long form: `explain`, also spelled `--why`.
    .action(async (flags: { gold?: string; pred?: string; jsonl?: string; explain?: boolean }) => {
      const explain = flags.explain === true;
      const pairMode = flags.gold !== undefined || flags.pred !== undefined;
      if (pairMode && flags.jsonl !== undefined)
        command.error("lanpo verify: use either --gold/--pred or --jsonl, not both");
      if (flags.jsonl === undefined && (flags.gold === undefined || flags.pred === undefined))
        command.error("lanpo verify: give both --gold and --pred, or --jsonl FILE (- for standard input)");
      if (flags.jsonl !== undefined) return verifyJsonl(flags.jsonl, streams, explain);
      const v = await decide(flags.gold as string, flags.pred as string, explain);
      streams.stdout.write(`${v.equal}\n`);
      if (explain && "gold" in v) streams.stdout.write(explanation(v));
    });
  command.configureOutput({ writeErr: (s) => streams.stderr.write(s), writeOut: (s) => streams.stdout.write(s) });
  return command;
}
