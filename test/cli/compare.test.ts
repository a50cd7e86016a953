import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunData } from "@lanpo/cli";
import { compareRuns, formatComparisonTable, resolveRunConfig } from "@lanpo/cli";
import { ConfigError } from "@lanpo/core";
import test from "ava";
import { runCli, runFlags, TINY_DATASET } from "./run-cli.js";

const root = mkdtempSync(join(tmpdir(), "lanpo-cli-compare-"));
const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;

/** Four small runs made once: LANPO and its GRPO baseline, seeds 0 and 1. */
const runs = (async () => {
  const make = async (name: string, seed: number, baseline: boolean) => {
    const out = join(root, name);
    const flags = { dataset: TINY_DATASET, group: 2, steps: 2, batch: 2, seed, out, embeddings: "lexical" };
    const result = await runCli(["run", ...runFlags(baseline ? { ...flags, baseline: "grpo" } : flags)]);
    if (result.code !== 0) throw new Error(`${name}: ${result.stderr}`);
    return out;
  };
  const [lanpo0, grpo0, lanpo1, grpo1] = await Promise.all([
    make("lanpo0", 0, false),
    make("grpo0", 0, true),
    make("lanpo1", 1, false),
    make("grpo1", 1, true),
  ]);
  return { lanpo0, grpo0, lanpo1, grpo1 } as Record<string, string>;
})();

test("--baseline grpo records the arm, runs every rollout from scratch and distils no lesson", async (t) => {
  const { grpo0, lanpo0 } = await runs;
  const config = readJson(join(grpo0 as string, "config.json"));
  t.like(config, { baseline: "grpo", mix: { reflection: 0, abstraction: 0, both: 0 }, seed: 0, group: 2, steps: 2 });
  t.like(readJson(join(lanpo0 as string, "config.json")), { baseline: "none" });
  const summary = readJson(join(grpo0 as string, "summary.json")) as {
    byFeedback: Record<string, unknown>;
    lessons: number;
    rollouts: number;
  };
  t.is(summary.lessons, 0);
  t.is(summary.rollouts, 8, "the same sample budget: 2 steps x 2 problems x 2 rollouts");
  t.deepEqual(
    [summary.byFeedback.reflection, summary.byFeedback.abstraction, summary.byFeedback.both],
    [null, null, null],
  );
});

test("--baseline grpo with a non-zero mix is refused, naming the conflict", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "lanpo-cli-compare-cfg-"));
  const file = join(dir, "run.json");
  writeFileSync(file, JSON.stringify({ dataset: "gsm8k", mix: { reflection: 0.5, abstraction: 0, both: 0 } }));
  const error = t.throws(() => resolveRunConfig({ flags: { baseline: "grpo" }, configFile: file, cwd: dir }));
  t.true(ConfigError.isInstance(error));
  t.regex(error?.message ?? "", /--baseline grpo runs with no language feedback.*drop "mix"/);
  const bad = t.throws(() => resolveRunConfig({ flags: { dataset: "gsm8k", baseline: "ppo" }, cwd: dir }));
  t.regex(bad?.message ?? "", /baseline/);
});

test("old run folders without a baseline field open as LANPO runs", async (t) => {
  const { lanpo1, grpo1 } = await runs;
  // A copy: the other tests read lanpo1 at the same time.
  const old = join(root, "old-format");
  cpSync(lanpo1 as string, old, { recursive: true });
  const file = join(old, "config.json");
  const { baseline: _b, ...before } = readJson(file);
  writeFileSync(file, JSON.stringify(before));
  const result = await runCli(["compare", old, grpo1 as string, "--out", join(root, "old.html")]);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /\|\s+lanpo \|\s+grpo \|/);
});

test("lanpo compare prints the runs side by side and writes compare.html with overlaid plots", async (t) => {
  const { lanpo0, grpo0 } = await runs;
  const out = join(root, "pair.html");
  const result = await runCli(["compare", grpo0 as string, lanpo0 as string, "--out", out]);
  t.is(result.code, 0, result.stderr);
  // Columns: lanpo first, whatever the argument order; GRPO distilled nothing and retrieved nothing.
  t.regex(result.stdout, /^\|\s+\|\s+lanpo \|\s+grpo \|$/m);
  t.regex(result.stdout, /\| lessons \(merged\)\s+\|\s+\d+ \(\d+\) \|\s+0 \(0\) \|/);
  t.regex(result.stdout, /\| feedback tokens \/ rollout\s+\|\s+[\d.]+ \|\s+0\.0 \|/);
  t.regex(result.stdout, /difference in mean reward \(lanpo - grpo\): [+-]\d\.\d{3} \(one run per arm: no spread/);
  t.regex(result.stdout, new RegExp(`compare page: ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  const html = readFileSync(out, "utf8");
  t.false(/https?:\/\/|<script|src=|href=/.test(html), "self-contained, no URL");
  const figures = [...html.matchAll(/<figure data-chart="([^"]*)" data-series="([^"]*)"[^>]*>(.*?)<\/figure>/gs)];
  t.is(figures.length, 7);
  for (const [, id, series, body] of figures) {
    t.true((body?.match(/<g class="mark-line role-mark/g)?.length ?? 0) > 0, `${id} draws lines`);
    if (id !== "arm-reward") t.is(series, "lanpo|grpo", `${id} overlays both runs`);
  }
});

test("several seeds per arm give the difference with its standard error", async (t) => {
  const { lanpo0, lanpo1, grpo0, grpo1 } = await runs;
  const result = await runCli([
    "compare",
    "--arm",
    `lanpo=${lanpo0},${lanpo1}`,
    "--arm",
    `grpo=${grpo0},${grpo1}`,
    "--out",
    join(root, "seeds.html"),
  ]);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /\|\s+lanpo seed 0 \|\s+lanpo seed 1 \|\s+grpo seed 0 \|\s+grpo seed 1 \|/);
  t.regex(result.stdout, /lanpo: mean reward \d\.\d{3} over 2 runs \(sd \d\.\d{3} over seeds\)/);
  t.regex(
    result.stdout,
    /difference in mean reward \(lanpo - grpo\): [+-]\d\.\d{3} ± \d\.\d{3} \(standard error over seeds\)/,
  );
});

test("compare's statistics: mean over seeds, sample sd, standard error of the difference", (t) => {
  const run = (seed: number, meanReward: number, dir: string) =>
    ({
      config: { seed, datasetDigest: "d", group: 2, steps: 2, batch: 2 },
      summary: { meanReward },
      folder: { dir },
      steps: [],
    }) as unknown as RunData;
  const comparison = compareRuns(
    new Map([
      ["grpo", [run(0, 0.2, "g0"), run(1, 0.4, "g1")]],
      ["lanpo", [run(0, 0.5, "l0"), run(1, 0.7, "l1"), run(2, 0.6, "l2")]],
    ]),
  );
  t.deepEqual(
    comparison.arms.map((a) => a.arm),
    ["lanpo", "grpo"],
  );
  t.is(comparison.arms[0]?.meanReward?.toFixed(3), "0.600");
  t.is(comparison.arms[0]?.spread?.toFixed(3), "0.100");
  t.is(comparison.arms[1]?.spread?.toFixed(4), "0.1414");
  t.is(comparison.differences[0]?.difference?.toFixed(3), "0.300");
  t.is(comparison.differences[0]?.standardError?.toFixed(4), Math.sqrt(0.01 / 3 + 0.02 / 2).toFixed(4));
  t.deepEqual(comparison.mismatches, []);
  const unequal = compareRuns(
    new Map([
      ["a", [run(0, 0.1, "a")]],
      [
        "b",
        [
          {
            ...run(0, 0.2, "b"),
            config: { seed: 0, datasetDigest: "e", group: 2, steps: 2, batch: 2 },
          } as unknown as RunData,
        ],
      ],
    ]),
  );
  t.regex(formatComparisonTable({ ...unequal, runs: [] }), /warning: not equal samples, datasetDigest differs/);
});

test("lanpo compare exits 2 on a folder that is not a run, on fewer than two runs, and on a malformed --arm", async (t) => {
  const { lanpo0 } = await runs;
  const notRun = mkdtempSync(join(tmpdir(), "lanpo-cli-compare-not-"));
  const a = await runCli(["compare", lanpo0 as string, notRun, "--out", join(root, "x.html")]);
  t.is(a.code, 2);
  t.regex(a.stderr, /not a lanpo run folder/);
  const b = await runCli(["compare", lanpo0 as string, "--out", join(root, "y.html")]);
  t.is(b.code, 2);
  t.regex(b.stderr, /compare needs at least two runs, got 1/);
  const c = await runCli(["compare", "--arm", "grpo", lanpo0 as string]);
  t.is(c.code, 2);
  t.regex(c.stderr, /--arm grpo: write NAME=DIR/);
});
