// LANPO against plain GRPO at equal samples on bundled GSM8K: the paper's question, "does language
// feedback help?", as two arms of three seeds each, then `lanpo compare`'s table and page.
//
// Needs: nothing for the wiring. Offline, the policy is the scripted stand-in, which answers right at a
// fixed rate whatever its context, so the two arms MUST come out level (a difference within the spread
// over seeds): that is what this run checks. For real results add `modelUrl: "http://localhost:8000/v1"`
// (any OpenAI-compatible server: vLLM, SGLang, Ollama) to `common` below, and more steps and seeds.
// Each run is what `lanpo run` does (SQLite pool, HNSW memory with the offline sentence encoder, the
// math verifier, the local outbox); the GRPO arm is `--baseline grpo`: the same problems, seeds, group
// size, steps and batch, every rollout from scratch and no lessons distilled.
// Writes: runs/examples/lanpo-vs-grpo-gsm8k/ (one run folder per arm and seed, each with report.html;
// compare.html with the overlaid plots). runs/ is gitignored.
// Run:   npx tsx examples/lanpo-vs-grpo-gsm8k.ts   (imports the built packages: `npm run build` once first)
//        npx tsx --conditions=source examples/lanpo-vs-grpo-gsm8k.ts   (straight from the sources, no build)
//        or cell by cell in an editor that understands `// %%` (VS Code, Jupyter's percent format)

// %% The experiment: two arms, three seeds each, equal samples
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  compareRuns,
  executeRun,
  formatComparisonTable,
  type RunData,
  readRunData,
  renderComparison,
  resolveRunConfig,
} from "@lanpo/cli";

const out = fileURLToPath(new URL("../runs/examples/lanpo-vs-grpo-gsm8k/", import.meta.url));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = { dataset: "gsm8k", limit: 16, group: 8, steps: 6, batch: 8 };
const seeds = [1, 2, 3];
const arms = { lanpo: "none", grpo: "grpo" } as const;
console.log(
  `${Object.keys(arms).length} arms x ${seeds.length} seeds; each run ${common.steps} steps x ${common.batch} problems x ${common.group} rollouts = ${common.steps * common.batch * common.group} samples`,
);

// %% Run every arm and seed, exactly as `lanpo run [--baseline grpo] --seed N --out DIR` would
const silent = { write: () => true };
const groups = new Map<string, RunData[]>();
const perRun: Record<string, string | number>[] = [];
for (const [arm, baseline] of Object.entries(arms)) {
  for (const seed of seeds) {
    const dir = join(out, `${arm}-seed${seed}`);
    const run = resolveRunConfig({ flags: { ...common, seed, baseline, out: dir }, env: {} });
    const { summary } = await executeRun({ run, overwrite: true, quiet: true, stdout: silent });
    groups.set(arm, [...(groups.get(arm) ?? []), await readRunData(dir)]);
    perRun.push({
      arm,
      seed,
      rollouts: summary.rollouts,
      "mean reward": summary.meanReward?.toFixed(3) ?? "-",
      lessons: summary.lessons,
      "retrieval hits": summary.retrievalHits,
      "leak blocks": summary.leakageBlocks,
    });
  }
}
console.log("each run:");
console.table(perRun);

// %% Compare: the side-by-side table, each arm's mean and sd over seeds, the difference with its standard error
const comparison = compareRuns(groups);
console.log(formatComparisonTable(comparison));
const page = join(out, "compare.html");
writeFileSync(page, await renderComparison(comparison, { generatedAt: new Date().toISOString() }));
console.log(`compare page: ${page}`);
console.log(`run reports: ${join(out, "<arm>-seed<N>", "report.html")}`);

// %% What to read into it: with the scripted policy, nothing but the spread
const [difference] = comparison.differences;
if (difference?.difference != null && difference.standardError != null) {
  const z = difference.difference / (difference.standardError || Number.POSITIVE_INFINITY);
  console.log(
    `lanpo - grpo = ${difference.difference.toFixed(3)}, ${Math.abs(z).toFixed(1)} standard errors from zero` +
      " (the scripted policy ignores its context: expect well under 2; a real model is what can move it)",
  );
}
