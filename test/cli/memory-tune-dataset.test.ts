// `lanpo memory tune --dataset NAME`: bundled set names are accepted as everywhere else a data set is;
// a bundled set with no labels is a clear error naming the sets that have them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, HashedLexicalEmbeddings } from "@lanpo/core";
import test from "ava";
import { runMemoryCommand } from "../fixtures/run-memory-command.ts";

const root = mkdtempSync(join(tmpdir(), "lanpo-memory-tune-"));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

const tune = (args: string[]) => runMemoryCommand(["tune", ...args], () => new HashedLexicalEmbeddings());

const GRID = ["--embeddings", "lexical", "--k", "1,3", "--min-score", "none,0.3", "--ef", "16", "--limit", "60"];

test("--dataset math500 tunes against the bundled subject labels, with no field flags", async (t) => {
  const out = join(root, "math500");
  const result = await tune(["--dataset", "math500", ...GRID, "--out", out]);
  t.is(result.error, undefined, String(result.error));
  t.regex(result.out, /^60 items, \d+ labels, chance precision/m);
  t.regex(result.out, /\* best trade-off: k=\d/);
  const json = JSON.parse(readFileSync(join(out, "tune.json"), "utf8"));
  t.is(json.dataset, "math500");
  t.is(json.textField, "problem");
  t.is(json.labelField, "subject");
  t.true(json.file.endsWith("math500_test.jsonl"));
  t.true(json.labels >= 2, "MATH-500's first 60 problems span several subjects");
  t.true(readFileSync(join(out, "tune.svg"), "utf8").includes("<svg"));
});

test("--label-field level picks the other label of the bundled set", async (t) => {
  const out = join(root, "level");
  const result = await tune(["--dataset", "math500", "--label-field", "level", ...GRID, "--out", out]);
  t.is(result.error, undefined, String(result.error));
  t.is(JSON.parse(readFileSync(join(out, "tune.json"), "utf8")).labelField, "level");
});

for (const name of ["gsm8k", "aime24", "amc23"]) {
  test(`--dataset ${name} (no labels) says which bundled sets have labels`, async (t) => {
    const result = await tune(["--dataset", name, ...GRID, "--out", join(root, name)]);
    t.true(result.error instanceof ConfigError);
    const error = result.error as ConfigError;
    t.is(error.field, "dataset");
    t.regex(error.message, new RegExp(`the bundled set "${name}" has no labels`));
    t.regex(error.message, /bundled sets with labels: math500: subject or level/);
    t.regex(error.message, /--text-field and --label-field/);
    t.deepEqual(result.kinds, [], "nothing is embedded before the data set is known to be usable");
  });
}

test("a label field the bundled set does not have is refused with the ones it has", async (t) => {
  const result = await tune(["--dataset", "math500", "--label-field", "topic", ...GRID, "--out", join(root, "x")]);
  t.true(result.error instanceof ConfigError);
  t.is((result.error as ConfigError).field, "labelField");
  t.regex((result.error as ConfigError).message, /has the labels subject, level, not "topic"/);
});

test("a text field other than the bundled set's is refused", async (t) => {
  const result = await tune(["--dataset", "math500", "--text-field", "question", ...GRID, "--out", join(root, "y")]);
  t.true(result.error instanceof ConfigError);
  t.is((result.error as ConfigError).field, "textField");
  t.regex((result.error as ConfigError).message, /keeps its text in "problem"; drop --text-field question/);
});

test("a .jsonl file still needs --text-field and --label-field, and says so", async (t) => {
  const file = join(root, "labelled.jsonl");
  writeFileSync(file, `${JSON.stringify({ q: "a b", t: "x" })}\n${JSON.stringify({ q: "c d", t: "y" })}\n`);
  const noText = await tune(["--dataset", file, "--label-field", "t", ...GRID, "--out", join(root, "z")]);
  t.true(noText.error instanceof ConfigError);
  t.is((noText.error as ConfigError).field, "textField");
  t.regex((noText.error as ConfigError).message, /--text-field is required with a \.jsonl file/);
  const noLabel = await tune(["--dataset", file, "--text-field", "q", ...GRID, "--out", join(root, "z")]);
  t.is((noLabel.error as ConfigError).field, "labelField");
  const both = await tune([
    "--dataset",
    file,
    "--text-field",
    "q",
    "--label-field",
    "t",
    ...GRID,
    "--out",
    join(root, "z"),
  ]);
  t.is(both.error, undefined, String(both.error));
  t.is(JSON.parse(readFileSync(join(root, "z", "tune.json"), "utf8")).dataset, file);
});
