// Tuning the memory's retrieval (k and the similarity threshold minScore) on bundled MATH-500, the way
// `lanpo memory tune --dataset math500` does: leave-one-out, a problem of the same subject counts as a
// relevant neighbour, so precision@k says how often a retrieved lesson's source is on topic and abstention
// how often the threshold returns nothing.
//
// Needs: nothing: the MATH-500 subject labels ship with the data, the embeddings are offline (the
// default sentence encoder, and the hashed lexical embeddings beside it as a baseline). No model server is
// involved: retrieval quality does not depend on the policy. Tuning on your own data needs a JSONL with a
// text and a label per line (`lanpo memory tune --dataset FILE --text-field F --label-field L`).
// Writes: runs/examples/memory-tuning-math500/ (tune-<embeddings>.json and .svg, tune.html with both plots
// and tables). runs/ is gitignored.
// Run:   npx tsx examples/memory-tuning-math500.ts   (imports the built packages: `npm run build` once first)
//        npx tsx --conditions=source examples/memory-tuning-math500.ts   (straight from the sources, no build)
//        or cell by cell in an editor that understands `// %%` (VS Code, Jupyter's percent format)

// %% 200 MATH-500 problems with their subject labels
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { loadDataset } from "@lanpo/cli";
import {
  defaultEmbeddings,
  HashedLexicalEmbeddings,
  type TuneReport,
  type TuneRow,
  tunePlotSvg,
  tuneRetrieval,
} from "@lanpo/memory";

const out = fileURLToPath(new URL("../runs/examples/memory-tuning-math500/", import.meta.url));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const { problems } = loadDataset({ dataset: "math500", limit: 200 });
const dataset = { texts: problems.map((p) => p.question), labels: problems.map((p) => String(p.meta?.subject)) };
const subjects = new Map<string, number>();
for (const label of dataset.labels) subjects.set(label, (subjects.get(label) ?? 0) + 1);
console.log(`${dataset.texts.length} problems, ${subjects.size} subjects:`);
console.table(Object.fromEntries([...subjects].sort((a, b) => b[1] - a[1]).map(([s, n]) => [s, { problems: n }])));

// %% The grid: k by threshold ("none" is top-k alone, which DESIGN.md rules out: it never abstains)
const grid = { k: [1, 3, 5], minScore: [-1, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], efSearch: [32] };
const embeddings: Record<string, EmbeddingsInterface> = {
  default: defaultEmbeddings(),
  lexical: new HashedLexicalEmbeddings(),
};

const fmt = (v: number | null) => (v === null ? "-" : v.toFixed(3));
const rowOf = (r: TuneRow) => ({
  k: r.k,
  minScore: r.minScore === -1 ? "none" : r.minScore.toFixed(2),
  "precision@k": fmt(r.precision),
  abstention: fmt(r.abstention),
  recall: fmt(r.recall),
  tradeOff: fmt(r.tradeOff),
  best: r.best ? "*" : "",
});

// %% Tune each embedding: precision and abstention per setting
const reports: Record<string, TuneReport> = {};
for (const [name, model] of Object.entries(embeddings)) {
  const report = await tuneRetrieval(dataset, { embeddings: model, grid });
  reports[name] = report;
  console.log(
    `\n${name} embeddings: chance precision ${fmt(report.chancePrecision)} (a random other problem has the same subject)`,
  );
  console.table(report.rows.map(rowOf));
  writeFileSync(join(out, `tune-${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(out, `tune-${name}.svg`), tunePlotSvg(report));
}

// %% The pick, and how to use it
console.log("\nbest trade-off per embedding (precision against coverage, F-beta with beta 0.5):");
console.table(
  Object.fromEntries(
    Object.entries(reports).map(([name, r]) => [
      name,
      {
        ...rowOf(r.best),
        "x chance": r.best.precision === null ? "-" : (r.best.precision / r.chancePrecision).toFixed(2),
      },
    ]),
  ),
);
const best = reports.default?.best;
if (best) {
  console.log(
    `use it: lanpo run --k ${best.k} --min-score ${best.minScore === -1 ? "-1" : best.minScore}, or retrieval: { k: ${best.k}, minScore: ${best.minScore} } in LanpoTrainer`,
  );
}

// %% One page with both plots and tables
const table = (r: TuneReport) =>
  `<table><tr>${Object.keys(rowOf(r.best))
    .map((h) => `<th>${h}</th>`)
    .join("")}</tr>${r.rows
    .map(
      (row) =>
        `<tr>${Object.values(rowOf(row))
          .map((c) => `<td>${c}</td>`)
          .join("")}</tr>`,
    )
    .join("")}</table>`;
const page = `<!doctype html><html><head><meta charset="utf-8"><title>memory tuning on MATH-500</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;text-align:right}</style></head><body>
<h1>Retrieval tuning on MATH-500 (${dataset.texts.length} problems, ${subjects.size} subjects)</h1>
${Object.entries(reports)
  .map(([name, r]) => `<h2>${name} embeddings</h2>${tunePlotSvg(r)}${table(r)}`)
  .join("\n")}
</body></html>`;
writeFileSync(join(out, "tune.html"), page);
console.log(`plots: ${join(out, "tune.html")} (and tune-default.svg, tune-lexical.svg)`);
