// lanpo serve-reward under OpenRLHF's current load shape (issue 9): 64 concurrent keep-alive
// connections, one sample a request, from a load generator in its own process: 3 alternating
// rounds of 5 s (after a 1 s warm-up each) against each server, the median round reported. Ours: RewardServer scoring with @lanpo/verify's createMathReward, gold answers looked
// up in gsm8k through ProblemIndex, every rollout recorded in a SQLite pool grouped by prompt
// (groups of 8). Baseline, in the same run: a bare node:http server that parses the body and
// answers a constant reward. Targets: >= 2,000 rewards/s, p99 <= 50 ms, on 2 cores.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SqliteExperiencePool } from "@lanpo/core";
import { ProblemIndex, RewardServer } from "@lanpo/ray";
import { createMathReward } from "@lanpo/verify";
import { loadDataset } from "../packages/cli/src/datasets/load-dataset.js";
import { currentRequest } from "../test/fixtures/openrlhf-requests.js";

const CONNECTIONS = 64;
const SECONDS = Number(process.env.LANPO_BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.LANPO_BENCH_ROUNDS ?? 3);
const LOADER = fileURLToPath(new URL("../test/fixtures/openrlhf-load-generator.ts", import.meta.url));

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
}

function load(url: string, bodiesFile: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import=tsx", LOADER, url, String(CONNECTIONS), String(SECONDS), bodiesFile],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`loader exited ${code}`))));
  });
}

const dir = mkdtempSync(join(tmpdir(), "lanpo-bench-reward-"));
const { problems } = loadDataset({ dataset: "gsm8k" });
// 512 prompts, 8 completions each (half right), as OpenRLHF with --n_samples_per_prompt 8 sends them.
const bodies = problems
  .slice(0, 512)
  .flatMap((problem, p) =>
    Array.from({ length: 8 }, (_, i) =>
      currentRequest(
        problem.question,
        `Let me work through it step by step. ${i % 2 === 0 ? `The answer is \\boxed{${problem.answer}}.` : `So the total is ${p + i + 1000}.`}`,
        problem.answer,
      ),
    ),
  );
const bodiesFile = join(dir, "bodies.json");
writeFileSync(bodiesFile, JSON.stringify(bodies));

// Baseline: parse, answer a constant.
const bare = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on("data", (d: Buffer) => parts.push(d));
  req.on("end", () => {
    const body = JSON.parse(Buffer.concat(parts).toString("utf8")) as { query: string[] };
    const text = JSON.stringify({ rewards: body.query.map(() => 1), scores: body.query.map(() => 1), extra_logs: {} });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  });
});
bare.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/get_reward`;

const pool = SqliteExperiencePool.open(join(dir, "pool.sqlite"));
const server = new RewardServer({
  score: createMathReward(),
  problems: new ProblemIndex(problems),
  pool,
  groupSize: 8,
});
const url = await server.listen({ port: 0, host: "127.0.0.1" });

// Alternating rounds, so a busy moment of a shared machine does not fall on one side only.
const bareRounds: LoadResult[] = [];
const ourRounds: LoadResult[] = [];
for (let round = 0; round < ROUNDS; round++) {
  if (!process.env.LANPO_BENCH_SKIP_BASELINE) bareRounds.push(await load(bareUrl, bodiesFile));
  ourRounds.push(await load(url, bodiesFile));
}
await new Promise<void>((resolve) => bare.close(() => resolve()));
await server.close();
const stats = await pool.stats();
await pool.close();
rmSync(dir, { recursive: true, force: true });

/** The round of median throughput. */
function medianRound(rounds: LoadResult[]): LoadResult {
  if (rounds.length === 0) return { requests: 1, errors: 0, seconds: 1, p50Ms: 0, p99Ms: 0 };
  return [...rounds].sort((a, b) => a.requests / a.seconds - b.requests / b.seconds)[rounds.length >> 1] as LoadResult;
}
const bareResult = medianRound(bareRounds);
const ours = medianRound(ourRounds);

const rate = (r: LoadResult) => r.requests / r.seconds;
const row = (name: string, r: LoadResult) =>
  console.log(
    `${name.padEnd(46)} ${rate(r).toFixed(0).padStart(6)} rewards/s  p50 ${r.p50Ms.toFixed(1).padStart(5)} ms  p99 ${r.p99Ms.toFixed(1).padStart(5)} ms  errors ${r.errors}`,
  );
console.log(
  `${CONNECTIONS} connections, one sample a request, ${SECONDS} s, ${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(1)}`,
);
row("bare node:http constant reward (baseline)", bareResult);
row("RewardServer + verify + gsm8k lookup + pool", ours);
console.log(
  `ours / baseline: ${(rate(ours) / rate(bareResult)).toFixed(2)}x throughput (median of ${ROUNDS} rounds each)`,
);
console.log(`our rounds: ${ourRounds.map((r) => `${rate(r).toFixed(0)}/s p99 ${r.p99Ms.toFixed(0)} ms`).join(", ")}`);
console.log(`pool: ${stats.rollouts} rollouts in ${stats.groups} groups recorded`);
const met = rate(ours) >= 2000 && ours.p99Ms <= 50;
console.log(`targets >= 2,000 rewards/s and p99 <= 50 ms: ${met ? "met" : "NOT met"}`);
