// Submission throughput to a loopback trainer ingest (issue 9): batches of 64 samples through
// openRayOptimizer with the outbox fsync'd, beside a bare POST loop of the same batches to the same
// ingest, measured in the same run. The ingest (the strict fake, validating every batch against the
// protocol's JSON Schema) runs in its own process. Target: >= 500 batches/s.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { OutboxOptimizer, type TrainingBatch } from "@lanpo/core";
import { openRayOptimizer } from "@lanpo/ray";
import { ingestBatch } from "../test/fixtures/ingest-batches.js";

const BATCHES = Number(process.env.LANPO_BENCH_BATCHES ?? 2000);
const SERVER = fileURLToPath(new URL("../test/fixtures/ingest-fake-server-main.ts", import.meta.url));

async function startIngest(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ["--import=tsx", "--conditions=source", SERVER], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the ingest exited (${code})`)));
  });
  return { url: line.trim(), stop: () => child.kill("SIGKILL") };
}

function batches(prefix: string): TrainingBatch[] {
  return Array.from({ length: BATCHES }, (_, n) => ingestBatch(`${prefix}-${n}`, n, 64, 8));
}

async function barePosts(url: string, list: TrainingBatch[]): Promise<number> {
  const started = performance.now();
  for (const batch of list) {
    const response = await fetch(`${url}/v1/batches`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(batch),
    });
    if (response.status !== 200) throw new Error(`bare POST got ${response.status}`);
    await response.text();
  }
  return list.length / ((performance.now() - started) / 1000);
}

async function throughOutbox(url: string, list: TrainingBatch[], inFlight: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "lanpo-bench-ray-"));
  const optimizer = await openRayOptimizer({
    directory: join(dir, "outbox"),
    ingestUrl: url,
    maxInFlight: inFlight,
    maxPendingBatches: Math.max(64, inFlight * 2),
  });
  const started = performance.now();
  if (inFlight === 1) {
    for (const batch of list) {
      const result = await optimizer.submit(batch);
      if (result.status !== "acknowledged") throw new Error(`batch ${batch.batchId} was ${result.status}`);
    }
  } else {
    // A trainer loop that keeps `inFlight` submits going (the outbox shares writes and fsyncs).
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < list.length) {
          const batch = list[next++] as TrainingBatch;
          await optimizer.waitForCapacity();
          await optimizer.submit(batch);
        }
      }),
    );
    const { pending } = await optimizer.flushUntilAcknowledged({ timeoutMs: 60_000 });
    if (pending > 0) throw new Error(`${pending} batches still pending`);
  }
  const rate = list.length / ((performance.now() - started) / 1000);
  await optimizer.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

/** The outbox alone, delivering to an instant in-process sink: what the fsyncs cost. */
async function outboxOnly(list: TrainingBatch[], inFlight: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "lanpo-bench-outbox-"));
  const outbox = await OutboxOptimizer.open({
    directory: dir,
    sink: { deliver: async () => ({ policyVersion: "v0" }) },
    maxInFlight: inFlight,
    maxPending: Math.max(64, inFlight * 2),
  });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < list.length) {
        const batch = list[next++] as TrainingBatch;
        await outbox.waitForCapacity();
        await outbox.submit(batch);
      }
    }),
  );
  await outbox.flushUntilAcknowledged({ timeoutMs: 60_000 });
  const rate = list.length / ((performance.now() - started) / 1000);
  await outbox.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

/** Milliseconds of one 26 KB write + fsync on this disk (median of 50). */
async function fsyncMs(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "lanpo-bench-fsync-"));
  const handle = await open(join(dir, "f"), "w");
  const data = Buffer.alloc(26_000, 97);
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    await handle.write(data);
    await handle.sync();
    times.push(performance.now() - started);
  }
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
  return times.sort((a, b) => a - b)[25] as number;
}

const ingest = await startIngest();
try {
  await barePosts(ingest.url, batches("warm").slice(0, 200));
  const bare = await barePosts(ingest.url, batches("bare"));
  const sequential = await throughOutbox(ingest.url, batches("seq"), 1);
  const pipelined = await throughOutbox(ingest.url, batches("pipe"), 8);
  const wide = await throughOutbox(ingest.url, batches("wide"), 64);
  const aloneSequential = await outboxOnly(batches("alone1"), 1);
  const aloneWide = await outboxOnly(batches("alone64"), 64);
  const fsync = await fsyncMs();
  const row = (name: string, rate: number) =>
    console.log(`${name.padEnd(52)} ${rate.toFixed(0).padStart(6)} batches/s  ${(rate / bare).toFixed(2)}x bare`);
  console.log(
    `${BATCHES} batches of 64 samples (8 groups of 8), loopback ingest in its own process, load average ${loadavg()[0]?.toFixed(1)}`,
  );
  row("bare POST loop (baseline)", bare);
  row("openRayOptimizer, outbox fsync'd, 1 submit at a time", sequential);
  row("openRayOptimizer, outbox fsync'd, 8 submits in flight", pipelined);
  row("openRayOptimizer, outbox fsync'd, 64 submits in flight", wide);
  row("outbox alone (instant sink), 1 submit at a time", aloneSequential);
  row("outbox alone (instant sink), 64 submits in flight", aloneWide);
  console.log(`one 26 KB write + fsync on this disk: ${fsync.toFixed(2)} ms (median of 50)`);
  const best = Math.max(sequential, pipelined, wide);
  console.log(`target >= 500 batches/s: ${best >= 500 ? "met" : "NOT met"} (${best.toFixed(0)})`);
} finally {
  ingest.stop();
}
