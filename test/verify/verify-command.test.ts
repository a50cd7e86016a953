import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { DatasetError } from "@lanpo/core";
import test from "ava";
import { Command, CommanderError } from "commander";
import { verifyCommand } from "../../packages/cli/src/commands/verify.js";
import { runCli } from "../cli/run-cli.js";

interface Run {
  stdout: string;
  stderr: string;
  error: unknown;
}

/** Runs `lanpo verify ARGS` in-process, the way program.ts registers it. */
async function runVerify(args: string[], stdinText?: string): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  if (stdinText !== undefined) stdin.end(stdinText);
  const command = verifyCommand({ stdin, stdout, stderr }).exitOverride();
  const program = new Command("lanpo").exitOverride().addCommand(command);
  let error: unknown;
  try {
    await program.parseAsync(["verify", ...args], { from: "user" });
  } catch (e) {
    error = e;
  }
  return { stdout: out, stderr: err, error };
}

function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), "lanpo-verify-"));
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

test("--gold --pred prints true for an equivalent pair", async (t) => {
  const r = await runVerify(["--gold", "\\frac{1}{2}", "--pred", "The answer is $0.5$."]);
  t.is(r.error, undefined);
  t.is(r.stdout, "true\n");
  t.is(r.stderr, "");
});

test("--gold --pred prints false (not an error) for a different pair", async (t) => {
  const r = await runVerify(["--gold", "3", "--pred", "\\boxed{4}"]);
  t.is(r.error, undefined);
  t.is(r.stdout, "false\n");
});

test("--jsonl writes one verdict line per input line, in order", async (t) => {
  const file = tempFile(
    "pairs.jsonl",
    [
      JSON.stringify({ gold: "7425000", pred: "7,425,000" }),
      JSON.stringify({ gold: "$[0,9)$", pred: "$[0,1)$" }),
      "",
      JSON.stringify({ gold: "x^2+2x+1", pred: "(x+1)^2" }),
    ].join("\n"),
  );
  const r = await runVerify(["--jsonl", file]);
  t.is(r.error, undefined);
  const lines = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  t.deepEqual(lines, [
    { equal: true, reason: "identical" },
    { equal: false, reason: "interval" },
    { equal: true, reason: "symbolic" },
  ]);
});

test("a malformed line gets an error naming its line number; the rest still get answers", async (t) => {
  const file = tempFile(
    "bad.jsonl",
    [
      JSON.stringify({ gold: "1", pred: "1" }),
      "{not json",
      JSON.stringify({ gold: true, pred: "2" }),
      JSON.stringify({ gold: "3", pred: "\\boxed{3}" }),
    ].join("\n"),
  );
  const r = await runVerify(["--jsonl", file]);
  const lines = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  t.is(lines.length, 4);
  t.deepEqual(lines[0], { equal: true, reason: "identical" });
  t.is(lines[1].line, 2);
  t.regex(lines[1].error, /not valid JSON/);
  t.is(lines[2].line, 3);
  t.regex(lines[2].error, /gold/);
  t.deepEqual(lines[3], { equal: true, reason: "identical" });
  t.regex(r.stderr, /bad\.jsonl:2: not valid JSON/);
  t.regex(r.stderr, /bad\.jsonl:3: expected \{"gold": string, "pred": string\}/);
  t.true(DatasetError.isInstance(r.error));
  t.is((r.error as DatasetError).line, 2);
  t.regex((r.error as Error).message, /2 malformed line\(s\) \(2, 3\) could not be scored/);
});

test("a null, empty or missing prediction is a scored line: no answer, not an error", async (t) => {
  const file = tempFile(
    "empty.jsonl",
    [
      JSON.stringify({ gold: "1", pred: null }),
      JSON.stringify({ gold: "1", pred: "" }),
      JSON.stringify({ gold: "1", pred: "   " }),
      JSON.stringify({ gold: "1" }),
      JSON.stringify({ gold: "1", pred: "1" }),
    ].join("\n"),
  );
  const r = await runVerify(["--jsonl", file]);
  t.is(r.error, undefined);
  t.is(r.stderr, "");
  const lines = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  t.deepEqual(lines, [
    { equal: false, reason: "no-answer" },
    { equal: false, reason: "no-answer" },
    { equal: false, reason: "no-answer" },
    { equal: false, reason: "no-answer" },
    { equal: true, reason: "identical" },
  ]);
});

test("numbers are accepted where strings are expected", async (t) => {
  const r = await runVerify(
    ["--jsonl", "-"],
    [
      JSON.stringify({ gold: 5, pred: 5 }),
      JSON.stringify({ gold: 0.5, pred: "\\frac{1}{2}" }),
      JSON.stringify({ gold: "2.5", pred: 2.5 }),
      JSON.stringify({ gold: 7, pred: "The answer is 8." }),
    ].join("\n"),
  );
  t.is(r.error, undefined);
  const lines = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l).equal);
  t.deepEqual(lines, [true, true, true, false]);
});

test("lines that cannot be read are reported in place; every other line is still scored", async (t) => {
  const r = await runVerify(
    ["--jsonl", "-"],
    [
      JSON.stringify({ gold: "1", pred: "1" }),
      JSON.stringify({ pred: "1" }),
      JSON.stringify({ gold: null, pred: "1" }),
      JSON.stringify(["1", "1"]),
      "42",
      JSON.stringify({ gold: "2", pred: null }),
      JSON.stringify({ gold: "3", pred: "3" }),
    ].join("\n"),
  );
  const lines = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  t.is(lines.length, 7);
  t.deepEqual(lines[0], { equal: true, reason: "identical" });
  t.deepEqual(
    lines.slice(1, 5).map((l) => l.line),
    [2, 3, 4, 5],
  );
  t.deepEqual(lines[5], { equal: false, reason: "no-answer" });
  t.deepEqual(lines[6], { equal: true, reason: "identical" });
  t.true(DatasetError.isInstance(r.error));
  t.regex((r.error as Error).message, /4 malformed line\(s\) \(2, 3, 4, 5\)/);
});

test("--explain prints the answers extracted from both sides and the reason", async (t) => {
  const r = await runVerify(["--gold", "\\frac{1}{2}", "--pred", "So the answer is $0.5$.", "--explain"]);
  t.is(r.error, undefined);
  const [verdict, gold, pred, reason] = r.stdout.trim().split("\n");
  t.is(verdict, "true");
  t.regex(gold as string, /^gold answer: \\frac\{1\}\{2\}/);
  t.regex(pred as string, /^pred answer: 0\.5 +\[from /);
  t.is(reason, "reason: numeric");
});

test("--why is the same flag, and says when no answer was found", async (t) => {
  const r = await runVerify(["--gold", "3", "--pred", "I do not know how to solve this one at all, sorry.", "--why"]);
  t.is(r.error, undefined);
  t.regex(r.stdout, /^false\n/);
  t.regex(r.stdout, /pred answer: \(none found\)/);
  t.regex(r.stdout, /reason: no-answer/);
});

test("--explain with --jsonl adds the extracted answers to each verdict", async (t) => {
  const r = await runVerify(
    ["--jsonl", "-", "--explain"],
    `${JSON.stringify({ gold: "7", pred: "First \\boxed{5}, no: \\boxed{7}" })}\n`,
  );
  t.is(r.error, undefined);
  t.deepEqual(JSON.parse(r.stdout), { equal: true, reason: "identical", goldAnswer: "7", predAnswer: "7" });
});

test("a pair only Compute Engine can read is decided by it", async (t) => {
  const r = await runVerify(["--gold", "\\gcd(12, 18)", "--pred", "\\boxed{6}"]);
  t.is(r.error, undefined);
  t.is(r.stdout, "true\n");
});

test("--jsonl - reads standard input", async (t) => {
  const r = await runVerify(["--jsonl", "-"], `${JSON.stringify({ gold: "1/3", pred: "0.3333" })}\n`);
  t.is(r.error, undefined);
  t.deepEqual(JSON.parse(r.stdout), { equal: true, reason: "numeric" });
});

test("a missing file is a DatasetError that says what to do", async (t) => {
  const r = await runVerify(["--jsonl", join(tmpdir(), "no-such-dir-lanpo", "x.jsonl")]);
  t.true(DatasetError.isInstance(r.error));
  t.regex((r.error as Error).message, /ENOENT.*pass - to read standard input/);
  t.is(r.stdout, "");
});

test("usage errors: neither mode, half a pair, or both modes", async (t) => {
  for (const args of [[], ["--gold", "1"], ["--gold", "1", "--pred", "1", "--jsonl", "-"]]) {
    const r = await runVerify(args);
    t.true(r.error instanceof CommanderError, `args ${args.join(" ")}`);
    t.regex(r.stderr, /--gold|--jsonl/);
    t.is(r.stdout, "");
  }
});

test("piping into the real lanpo process: stdout lines, stderr message and exit code", async (t) => {
  const { code, stdout, stderr } = await runCli(
    ["verify", "--jsonl", "-"],
    {},
    `${JSON.stringify({ gold: "5", pred: "\\boxed{5}" })}\n[1,2]\n`,
  );
  t.is(code, 2);
  const lines = stdout.trim().split("\n");
  t.deepEqual(JSON.parse(lines[0] as string), { equal: true, reason: "identical" });
  t.is(JSON.parse(lines[1] as string).line, 2);
  t.regex(stderr, /-:2: expected/);
});

test("the real lanpo process exits 0 when every line was scored, null, empty, missing and numeric predictions included", async (t) => {
  const input = [
    JSON.stringify({ gold: "5", pred: "\\boxed{5}" }),
    JSON.stringify({ gold: "5", pred: null }),
    JSON.stringify({ gold: "5", pred: "" }),
    JSON.stringify({ gold: "5" }),
    JSON.stringify({ gold: 5, pred: 5 }),
    "",
    JSON.stringify({ gold: "2.5", pred: "Donc, la réponse finale est 2,5." }),
  ].join("\n");
  const { code, stdout, stderr } = await runCli(["verify", "--jsonl", "-"], {}, `${input}\n`);
  t.is(code, 0);
  t.is(stderr, "");
  t.deepEqual(
    stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l)),
    [
      { equal: true, reason: "identical" },
      { equal: false, reason: "no-answer" },
      { equal: false, reason: "no-answer" },
      { equal: false, reason: "no-answer" },
      { equal: true, reason: "identical" },
      { equal: true, reason: "identical" },
    ],
  );
});

test("a prediction that is neither text, a number nor null is a line that cannot be read, reported in its place", async (t) => {
  const r = await runVerify(
    ["--jsonl", "-"],
    [
      JSON.stringify({ gold: "1", pred: true }),
      JSON.stringify({ gold: "1", pred: { text: "1" } }),
      JSON.stringify({ gold: "1", pred: "1" }),
    ].join("\n"),
  );
  const lines = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  t.deepEqual(
    lines.map((l) => l.line),
    [1, 2, undefined],
  );
  t.deepEqual(lines[2], { equal: true, reason: "identical" });
  t.true(DatasetError.isInstance(r.error));
});

test("--help documents the --jsonl contract and both exit statuses", async (t) => {
  const { code, stdout } = await runCli(["verify", "--help"], {});
  t.is(code, 0);
  t.regex(stdout, /null, empty or missing "pred"/);
  t.regex(stdout, /Numbers are read as answers/);
  t.regex(stdout, /Exit status: 0 when every line was scored/);
  t.regex(stdout, /2 when some line could not\s+be read/);
});
