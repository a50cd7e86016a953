// How `lanpo run` reports its end: --json, --quiet, the hint of what to open next, --batch too large.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { runCli, runFlags, TINY_DATASET } from "./run-cli.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "lanpo-cli-output-"));

test("--json --quiet: one JSON object on stdout, only warnings on stderr; a --batch past the data set says so", async (t) => {
  const out = join(tempDir(), "run");
  const result = await runCli([
    "run",
    ...runFlags({
      dataset: TINY_DATASET,
      group: 2,
      steps: 1,
      batch: 9,
      out,
      embeddings: "lexical",
      json: true,
      quiet: true,
    }),
  ]);
  t.is(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split("\n");
  t.is(lines.length, 1);
  const parsed = JSON.parse(lines[0] ?? "") as {
    runDir: string;
    report: string;
    summary: { rollouts: number };
    interrupted: boolean;
  };
  t.like(parsed, { runDir: out, report: join(out, "report.html"), interrupted: false });
  t.is(parsed.summary.rollouts, 8, "4 problems x 2 rollouts: the batch is capped at the data set");
  t.regex(
    result.stderr,
    /^note: --batch 9 is larger than cli-tiny \(4 problems\); each step uses all 4, so a step has 8 rollouts, not 18$/m,
  );
  t.notRegex(result.stderr, /step 0|ScriptedPolicy|next:/, "no progress, notices or hints");
});

test("a run ends by saying what to open and run next", async (t) => {
  const out = join(tempDir(), "run");
  const result = await runCli([
    "run",
    ...runFlags({ dataset: TINY_DATASET, group: 2, steps: 1, batch: 2, out, embeddings: "lexical" }),
  ]);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /\| mean reward/);
  t.regex(
    result.stderr,
    new RegExp(
      `next: open ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/report\\.html in a browser.*--baseline grpo.*lanpo compare`,
    ),
  );
});

test("lanpo --help lists the exit codes", async (t) => {
  const result = await runCli(["--help"]);
  t.is(result.code, 0);
  for (const line of [
    /^ {2}0 {4}done$/m,
    /^ {2}1 {4}an unexpected error/m,
    /^ {2}2 {4}bad input/m,
    /^ {2}130 {2}interrupted/m,
  ])
    t.regex(result.stdout, line);
});
