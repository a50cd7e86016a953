import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { runCli, runFlags, TINY_DATASET } from "./run-cli.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "lanpo-cli-report-"));

test.serial("lanpo report rewrites report.html from a run folder; steps are numbered from 0 everywhere", async (t) => {
  const out = join(tempDir(), "run");
  const run = await runCli([
    "run",
    ...runFlags({ dataset: TINY_DATASET, group: 2, steps: 2, batch: 2, out, embeddings: "lexical" }),
  ]);
  t.is(run.code, 0, run.stderr);
  // The console, events.jsonl and the report all call the first step "step 0".
  t.regex(run.stderr, /^step 0 \(1 of 2\)/m);
  t.regex(run.stderr, /^step 1 \(2 of 2\) done/m);
  const steps = readFileSync(join(out, "events.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.includes('"step-end"'))
    .map((l) => (JSON.parse(l) as { report: { step: number } }).report.step);
  t.deepEqual(steps, [0, 1]);

  rmSync(join(out, "report.html"));
  const report = await runCli(["report", out]);
  t.is(report.code, 0, report.stderr);
  t.is(report.stdout.trim(), join(out, "report.html"));
  const html = readFileSync(join(out, "report.html"), "utf8");
  t.is(html.match(/<figure data-chart=/g)?.length, 8);
  t.regex(html, /<td>0<\/td><td>4<\/td>/, "the per-step table starts at step 0 with its 4 rollouts");
  t.regex(html, /ScriptedPolicy/, "the run's notices are read back from events.jsonl");
});

test("lanpo report on a folder that is not a run exits 2 and says what to pass", async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, "notes.txt"), "x");
  const result = await runCli(["report", dir]);
  t.is(result.code, 2);
  t.regex(result.stderr, /has no config\.json, so it is not a lanpo run folder.*pass the --out folder of a lanpo run/);
  t.false(existsSync(join(dir, "report.html")));
  const missing = await runCli(["report", join(dir, "nope")]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /does not exist/);
});
