// Quickstart: the smallest LANPO run, as a library, cell by cell.
//
// Needs: nothing. It runs offline with the scripted policy (an offline stand-in that answers right at a
// fixed rate whatever its context: it shows the wiring, not results). For real results give the trainer a
// LangChain chat model served by vLLM, SGLang, Ollama or OpenAI instead of `ScriptedPolicy`.
// Every other part is the real one: bundled GSM8K, a SQLite experience pool, the HNSW lesson memory with
// the offline sentence encoder, the math verifier.
// Writes: runs/examples/quickstart/ (pool.sqlite, memory/, report.html with the plots). runs/ is gitignored.
// Run:   npx tsx examples/quickstart.ts   (imports the built packages: `npm run build` once first)
//        npx tsx --conditions=source examples/quickstart.ts   (straight from the sources, no build)
//        or cell by cell in an editor that understands `// %%` (VS Code, Jupyter's percent format)

// %% Problems: 16 bundled GSM8K problems, so each one comes back and can be reflected on
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadDataset, renderReport, stepMetricsFromReports, summarizeRun } from "@lanpo/cli";
import { LanpoTrainer, ScriptedPolicy, SqliteExperiencePool, type StepReport } from "@lanpo/core";
import { defaultEmbeddings, HnswLessonMemory } from "@lanpo/memory";
import { createMathReward, createVerifierAnswerMatcher } from "@lanpo/verify";

const out = fileURLToPath(new URL("../runs/examples/quickstart/", import.meta.url));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const { problems } = loadDataset({ dataset: "gsm8k", limit: 16 });
console.log(`${problems.length} problems, e.g. "${problems[0]?.question.slice(0, 70)}..."`);

// %% The trainer: a policy and a reward are all it needs; the pool and the memory are on disk
const settings = { groupSize: 8, steps: 6, batchSize: 8, seed: 1, retrieval: { k: 3 } } as const;
const trainer = new LanpoTrainer({
  policy: new ScriptedPolicy({ problems, successRate: 0.4, seed: settings.seed }),
  reward: createMathReward(),
  matcher: createVerifierAnswerMatcher(), // the leakage guard knows every answer form the verifier does
  pool: SqliteExperiencePool.open(join(out, "pool.sqlite")),
  memory: await HnswLessonMemory.open({ dir: join(out, "memory"), embeddings: defaultEmbeddings() }),
  groupSize: settings.groupSize,
  retrieval: settings.retrieval,
  seed: settings.seed,
});
trainer.on("run-start", ({ notices }) => {
  for (const notice of notices) console.log(`note: ${notice}`);
});

// %% Run: one row per step, mean reward by the feedback each rollout saw
const reports: StepReport[] = [];
const cell = (v: number | null | undefined) => (v === null || v === undefined ? "-" : v.toFixed(2));
for await (const report of trainer.run(problems, { steps: settings.steps, batchSize: settings.batchSize })) {
  reports.push(report);
}
console.log("per step (mean reward; rollouts in brackets):");
console.table(
  reports.map((r) => ({
    step: r.step,
    mean: cell(r.meanReward),
    ...Object.fromEntries(
      Object.entries(r.byFeedback).map(([kind, s]) => [kind, `${cell(s.meanReward)} (${s.rollouts})`]),
    ),
    "lessons +": r.lessons.added,
    "leak blocks": r.leakageBlocks,
  })),
);

// %% What the pool and the memory hold now
const pool = await trainer.pool.stats();
const memory = await trainer.memory.stats();
console.log(`pool: ${JSON.stringify(pool)}\nmemory: ${JSON.stringify(memory)}`);

// %% The report: the same self-contained page `lanpo run` writes (inline SVG plots, opens offline)
const steps = stepMetricsFromReports(reports);
const summary = summarizeRun({
  steps: settings.steps,
  rollouts: reports.flatMap((r) => r.rollouts),
  stepMetrics: steps,
  lessons: memory.lessons,
});
const html = await renderReport({
  title: "quickstart (scripted policy: wiring, not results)",
  generatedAt: new Date().toISOString(),
  summary,
  steps,
  config: { dataset: "gsm8k", limit: problems.length, ...settings },
  notices: reports.length > 0 ? [] : ["no step ran"],
  latencies: reports.flatMap((r) => r.rollouts.map((x) => ({ feedback: x.feedback, latencyMs: x.latencyMs }))),
});
writeFileSync(join(out, "report.html"), html);
await trainer.memory.flush();
await trainer.pool.close();
console.log(`mean reward ${cell(summary.meanReward)} over ${summary.rollouts} rollouts`);
console.log(`report: ${join(out, "report.html")}`);
