// LANPO in a few cells, offline: a scripted policy, the bundled GSM8K problems, a SQLite pool and
// the HNSW lesson memory on lexical embeddings. Run the whole file with
//   node --import tsx --conditions=source examples/01-offline-trainer.ts
// or cell by cell in an editor that understands `// %%` (VS Code, Jupyter's percent format).

// %% Load problems
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDataset } from "@lanpo/cli";
import { LanpoTrainer, ScriptedPolicy, SqliteExperiencePool } from "@lanpo/core";
import { HashedLexicalEmbeddings, HnswLessonMemory } from "@lanpo/memory";
import { createMathReward } from "@lanpo/verify";

const { problems } = loadDataset({ dataset: "gsm8k", limit: 24 });
console.log(`${problems.length} problems, e.g. ${problems[0]?.question.slice(0, 80)}…`);

// %% Build the trainer: every part is a real one, only the policy is scripted
const dir = mkdtempSync(join(tmpdir(), "lanpo-example-"));
const trainer = new LanpoTrainer({
  policy: new ScriptedPolicy({ problems, successRate: 0.4, seed: 1 }),
  reward: createMathReward(),
  pool: SqliteExperiencePool.open(join(dir, "pool.sqlite")),
  memory: await HnswLessonMemory.open({ dir: join(dir, "memory"), embeddings: new HashedLexicalEmbeddings() }),
  groupSize: 8,
  retrieval: { k: 3, minScore: 0.3 },
  seed: 1,
});
trainer.on("run-start", ({ notices }) => {
  for (const notice of notices) console.log(`note: ${notice}`);
});

// %% Run six steps and look at reward by feedback kind
for await (const report of trainer.run(problems, { steps: 6, batchSize: 8 })) {
  const kinds = Object.entries(report.byFeedback)
    .map(([kind, s]) => `${kind} ${s.meanReward === null ? "-" : s.meanReward.toFixed(2)} (${s.rollouts})`)
    .join(", ");
  console.log(`step ${report.step}: mean ${report.meanReward?.toFixed(3)}; ${kinds}; lessons +${report.lessons.added}`);
}

// %% What the pool and the memory hold now
console.log(await trainer.pool.stats(), await trainer.memory.stats());
await trainer.pool.close();
