import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ConfigError,
  DeliveryError,
  isRetryableDeliveryError,
  JsonlFileSink,
  ModelError,
  OutboxOptimizer,
  StorageError,
  type TrainingBatch,
} from "@lanpo/core";
import test from "ava";
import { makeBatch, RecordingSink } from "../fixtures/pool-batches.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "lanpo-outbox-"));
const lines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { batchId: string });
/** The batches of an outbox file (each line holds a batch and the digest of its rollout ids). */
const outboxBatches = (path: string) => lines(path).map((l) => (l as unknown as { batch: TrainingBatch }).batch);
/** An acknowledgement line without its rollout digests. */
const ackLines = (path: string) =>
  lines(path).map((l) => {
    const { digest: _d, rollouts: _r, ...rest } = l as unknown as Record<string, unknown>;
    return rest;
  });

test("a delivered batch is in the outbox, acknowledged, and in the default trainer inbox", async (t) => {
  const directory = tempDir();
  const optimizer = await OutboxOptimizer.open({ directory, now: () => 42 });
  const batch = makeBatch("b1");
  t.deepEqual(await optimizer.submit(batch), { batchId: "b1", status: "acknowledged" });
  t.is(await optimizer.pending(), 0);
  t.is(await optimizer.policyVersion(), "local");
  t.deepEqual(outboxBatches(join(directory, "outbox.jsonl")), [batch]);
  t.deepEqual(ackLines(join(directory, "acks.jsonl")), [{ batchId: "b1", ackedAtMs: 42 }]);
  t.deepEqual(lines(join(directory, "trainer-inbox.jsonl")), [batch]);
  t.is(optimizer.tornLinesDropped, 0);
  await optimizer.close();
});

test("the same batch id twice is a duplicate and writes nothing, also after reopening", async (t) => {
  const directory = tempDir();
  const sink = new RecordingSink();
  const optimizer = await OutboxOptimizer.open({ directory, sink });
  await optimizer.submit(makeBatch("b1"));
  const size = statSync(join(directory, "outbox.jsonl")).size;
  t.deepEqual(await optimizer.submit(makeBatch("b1")), { batchId: "b1", status: "duplicate" });
  const conflict = await t.throwsAsync(optimizer.submit(makeBatch("b1", 3, 5)), { instanceOf: ConfigError });
  t.regex(conflict?.message ?? "", /other rollouts/);
  await optimizer.close();
  const reopened = await OutboxOptimizer.open({ directory, sink });
  t.deepEqual(await reopened.submit(makeBatch("b1")), { batchId: "b1", status: "duplicate" });
  t.is(statSync(join(directory, "outbox.jsonl")).size, size);
  t.deepEqual(sink.attempts, ["b1"]);
  await reopened.close();
});

test("a failing sink leaves the batch queued and durable; flush resends it", async (t) => {
  const directory = tempDir();
  const sink = new RecordingSink();
  sink.failing = { isRetryable: true };
  const optimizer = await OutboxOptimizer.open({ directory, sink });
  t.deepEqual(await optimizer.submit(makeBatch("b1")), { batchId: "b1", status: "queued" });
  t.is(await optimizer.pending(), 1);
  t.is(optimizer.lastFailure?.batchId, "b1");
  t.deepEqual(outboxBatches(join(directory, "outbox.jsonl")), [makeBatch("b1")]);
  t.deepEqual(await optimizer.flush(), { acknowledged: 0, pending: 1 }, "still down");
  sink.failing = false;
  t.deepEqual(await optimizer.flush(), { acknowledged: 1, pending: 0 });
  t.deepEqual(sink.delivered, ["b1"]);
  t.is(optimizer.lastFailure, undefined);
  t.deepEqual(await optimizer.flush(), { acknowledged: 0, pending: 0 }, "nothing sent twice");
  t.deepEqual(sink.attempts, ["b1", "b1", "b1"]);
  await optimizer.close();
});

test("batches are delivered in submission order, never a later one before an earlier one", async (t) => {
  const sink = new RecordingSink();
  const optimizer = await OutboxOptimizer.open({ directory: tempDir(), sink });
  await optimizer.submit(makeBatch("b1"));
  sink.failing = { isRetryable: true };
  await optimizer.submit(makeBatch("b2"));
  await optimizer.submit(makeBatch("b3"));
  t.deepEqual(sink.attempts, ["b1", "b2", "b2"], "b3 waits behind b2");
  sink.failing = false;
  t.deepEqual(await optimizer.submit(makeBatch("b4")), { batchId: "b4", status: "acknowledged" });
  t.deepEqual(sink.delivered, ["b1", "b2", "b3", "b4"]);
  await optimizer.close();
});

test("concurrent submits are written and delivered one at a time, in call order", async (t) => {
  const directory = tempDir();
  const optimizer = await OutboxOptimizer.open({ directory });
  const ids = Array.from({ length: 8 }, (_, i) => `b${i}`);
  const results = await Promise.all(ids.map((id) => optimizer.submit(makeBatch(id))));
  t.true(results.every((r) => r.status === "acknowledged"));
  t.deepEqual(
    lines(join(directory, "trainer-inbox.jsonl")).map((b) => b.batchId),
    ids,
  );
  await optimizer.close();
});

test("reopening after a crash recovers unacknowledged batches and drops a torn last line", async (t) => {
  const directory = tempDir();
  const sink = new RecordingSink();
  sink.failing = { isRetryable: true };
  const first = await OutboxOptimizer.open({ directory, sink });
  await first.submit(makeBatch("b1"));
  await first.submit(makeBatch("b2"));
  await first.close();
  // A crash in the middle of appending b3: half a line, no newline.
  const outbox = join(directory, "outbox.jsonl");
  appendFileSync(outbox, JSON.stringify(makeBatch("b3")).slice(0, 40));
  appendFileSync(join(directory, "acks.jsonl"), '{"batchId":"b');

  sink.failing = false;
  const reopened = await OutboxOptimizer.open({ directory, sink });
  t.is(reopened.tornLinesDropped, 2);
  t.is(await reopened.pending(), 2);
  t.deepEqual(await reopened.flush(), { acknowledged: 2, pending: 0 });
  t.deepEqual(sink.delivered, ["b1", "b2"]);
  // b3 was never reported as stored, so it may be submitted now, and the file stays well formed.
  t.is((await reopened.submit(makeBatch("b3"))).status, "acknowledged");
  await reopened.close();
  t.deepEqual(
    outboxBatches(outbox).map((b) => b.batchId),
    ["b1", "b2", "b3"],
  );
  const again = await OutboxOptimizer.open({ directory, sink });
  t.is(again.tornLinesDropped, 0);
  t.is(await again.pending(), 0);
  await again.close();
});

test("a damaged line before the end is a StorageError naming the line, not a silent skip", async (t) => {
  const directory = tempDir();
  writeFileSync(
    join(directory, "outbox.jsonl"),
    `${JSON.stringify(makeBatch("b1"))}\n{garbage}\n${JSON.stringify(makeBatch("b2"))}\n`,
  );
  const error = await t.throwsAsync(OutboxOptimizer.open({ directory }));
  t.true(StorageError.isInstance(error));
  t.is((error as StorageError).code, "LANPO_CORRUPT");
  t.regex(error?.message ?? "", /line 2/);
});

test("a folder holding other JSON lines is not taken for an outbox", async (t) => {
  const directory = tempDir();
  writeFileSync(join(directory, "outbox.jsonl"), '{"hello":"world"}\n');
  const error = await t.throwsAsync(OutboxOptimizer.open({ directory }));
  t.is((error as StorageError).code, "LANPO_CORRUPT");
});

test("a full disk on the outbox rejects the submit with ENOSPC and delivers nothing", async (t) => {
  const directory = tempDir();
  symlinkSync("/dev/full", join(directory, "outbox.jsonl"));
  const sink = new RecordingSink();
  const optimizer = await OutboxOptimizer.open({ directory, sink });
  for (let i = 0; i < 2; i++) {
    const error = await t.throwsAsync(optimizer.submit(makeBatch("b1")));
    t.true(StorageError.isInstance(error), String(error));
    t.is((error as StorageError).code, "ENOSPC");
    t.regex(error?.message ?? "", /disk is full/);
  }
  t.deepEqual(sink.attempts, [], "a batch that is not durable is not sent");
  t.is(await optimizer.pending(), 0);
  await optimizer.close();
});

test("a full disk on the acknowledgements keeps the delivered batch pending for a harmless resend", async (t) => {
  const directory = tempDir();
  symlinkSync("/dev/full", join(directory, "acks.jsonl"));
  const sink = new RecordingSink();
  const optimizer = await OutboxOptimizer.open({ directory, sink });
  t.deepEqual(await optimizer.submit(makeBatch("b1")), { batchId: "b1", status: "queued" });
  t.deepEqual(sink.delivered, ["b1"]);
  t.is(await optimizer.pending(), 1);
  t.is((optimizer.lastFailure?.error as StorageError | undefined)?.code, "ENOSPC");
  await optimizer.close();
});

test("a full disk under the default sink's inbox leaves the batch queued", async (t) => {
  const directory = tempDir();
  symlinkSync("/dev/full", join(directory, "trainer-inbox.jsonl"));
  const optimizer = await OutboxOptimizer.open({ directory });
  t.deepEqual(await optimizer.submit(makeBatch("b1")), { batchId: "b1", status: "queued" });
  t.is((optimizer.lastFailure?.error as StorageError | undefined)?.code, "ENOSPC");
  t.true(optimizer.lastFailure?.isRetryable);
  await optimizer.close();
});

test("a sink that refuses a batch for good: submit queues it, flush throws a DeliveryError", async (t) => {
  const sink = new RecordingSink();
  sink.failing = { isRetryable: false };
  const optimizer = await OutboxOptimizer.open({ directory: tempDir(), sink });
  t.is((await optimizer.submit(makeBatch("b1"))).status, "queued");
  t.false(optimizer.lastFailure?.isRetryable);
  const error = await t.throwsAsync(optimizer.flush());
  t.true(DeliveryError.isInstance(error));
  t.is((error as DeliveryError).batchId, "b1");
  t.false((error as DeliveryError).isRetryable);
  t.regex(error?.message ?? "", /outbox\.jsonl/);
  t.is(await optimizer.pending(), 1, "still kept");
  sink.failing = false;
  t.deepEqual(await optimizer.flush(), { acknowledged: 1, pending: 0 });
  await optimizer.close();
});

test("isRetryableDeliveryError reads isRetryable and defaults to retryable", (t) => {
  t.false(isRetryableDeliveryError(new ModelError("bad request", { isRetryable: false })));
  t.true(isRetryableDeliveryError(new ModelError("503", { isRetryable: true })));
  t.true(isRetryableDeliveryError(new Error("ECONNREFUSED")));
  t.true(isRetryableDeliveryError(undefined));
});

test("a malformed batch is a ConfigError and is not written", async (t) => {
  const directory = tempDir();
  const optimizer = await OutboxOptimizer.open({ directory, sink: new RecordingSink() });
  const bad = makeBatch("b1");
  (bad.samples[1] as { reward: number }).reward = Number.NaN;
  const error = await t.throwsAsync(optimizer.submit(bad));
  t.true(ConfigError.isInstance(error));
  t.is((error as ConfigError).field, "batch.samples[1].reward");
  for (const [field, batch] of [
    ["batch.batchId", { ...makeBatch("x"), batchId: "" }],
    ["batch.batchId", { ...makeBatch("x"), batchId: "a\nb" }],
    ["batch.step", { ...makeBatch("x"), step: -1 }],
    ["batch.samples", { ...makeBatch("x"), samples: null }],
  ] as const) {
    const e = await t.throwsAsync(optimizer.submit(batch as unknown as TrainingBatch));
    t.is((e as ConfigError).field, field);
  }
  t.is(statSync(join(directory, "outbox.jsonl")).size, 0);
  await optimizer.close();
});

test("the sink's policy version is reported; calls after close are refused", async (t) => {
  const optimizer = await OutboxOptimizer.open({ directory: tempDir(), sink: new RecordingSink() });
  t.is(await optimizer.policyVersion(), "policy-7");
  await optimizer.close();
  await optimizer.close();
  const error = await t.throwsAsync(optimizer.submit(makeBatch("b1")));
  t.is((error as StorageError).code, "LANPO_CLOSED");
});

test("JsonlFileSink writes a batch once per id, across instances", async (t) => {
  const path = join(tempDir(), "inbox", "trainer-inbox.jsonl");
  const sink = new JsonlFileSink(path);
  await sink.deliver(makeBatch("b1"));
  await sink.deliver(makeBatch("b1"));
  await sink.close();
  const again = new JsonlFileSink(path);
  await again.deliver(makeBatch("b1"));
  await again.deliver(makeBatch("b2"));
  await again.close();
  t.deepEqual(
    lines(path).map((b) => b.batchId),
    ["b1", "b2"],
  );
});

test("an unwritable outbox folder is a StorageError on open", async (t) => {
  const directory = tempDir();
  mkdirSync(join(directory, "outbox.jsonl")); // a folder where the file should be
  const error = await t.throwsAsync(OutboxOptimizer.open({ directory }));
  t.true(StorageError.isInstance(error));
  t.is((error as StorageError).code, "EISDIR");
});

test("a process killed while submitting loses no batch it reported as queued", async (t) => {
  const directory = tempDir();
  const writer = fileURLToPath(new URL("../fixtures/pool-outbox-crash-writer.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import=tsx", "--conditions=source", writer, directory], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const reported: string[] = [];
  let buffer = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    for (const line of parts) {
      const [status = "", batchId = ""] = line.split(" ");
      if (status === "queued") reported.push(batchId);
      if (reported.length === 30) child.kill("SIGKILL");
    }
  });
  const signal = await new Promise((resolve) => child.on("exit", (_code, s) => resolve(s)));
  t.is(signal, "SIGKILL", stderr);

  const sink = new RecordingSink();
  const reopened = await OutboxOptimizer.open({ directory, sink });
  t.true(reopened.tornLinesDropped <= 1);
  const { acknowledged, pending } = await reopened.flush();
  t.is(pending, 0);
  t.true(acknowledged >= reported.length && acknowledged <= reported.length + 1);
  t.deepEqual(sink.delivered.slice(0, reported.length), reported, "every reported batch, in order");
  await reopened.close();
});

test("acknowledged batches are compacted away; their ids and rollout ids are still known after reopening", async (t) => {
  const directory = tempDir();
  const optimizer = await OutboxOptimizer.open({ directory, compactAfter: 4 });
  const sizes: number[] = [];
  for (let i = 0; i < 24; i++) {
    await optimizer.submit(makeBatch(`c${i}`, i, 16));
    sizes.push(optimizer.outboxBytes);
  }
  await optimizer.close();
  const one = JSON.stringify({ digest: "x".repeat(22), batch: makeBatch("c0", 0, 16) }).length;
  t.true(Math.max(...sizes.slice(8)) <= 5 * one, `outbox.jsonl stays flat: ${sizes.join(", ")}`);
  const reopened = await OutboxOptimizer.open({ directory, compactAfter: 4 });
  t.is(await reopened.pending(), 0);
  t.is((await reopened.submit(makeBatch("c3", 3, 16))).status, "duplicate", "a compacted batch id is still known");
  const reused = makeBatch("new", 30, 3);
  reused.samples[0] = { ...(makeBatch("c5", 5, 16).samples[0] as TrainingBatch["samples"][number]) };
  t.is((await reopened.submit(reused)).status, "acknowledged");
  const inbox = lines(join(directory, "trainer-inbox.jsonl")).at(-1) as unknown as TrainingBatch;
  t.is(inbox.batchId, "new");
  t.deepEqual(
    inbox.samples.map((s) => s.rolloutId),
    ["new-rollout-1", "new-rollout-2"],
    "a rollout already sent under another batch id is not sent again",
  );
  await reopened.close();
});

test("an outbox larger than one read chunk opens line by line, a torn tail dropped", async (t) => {
  const directory = tempDir();
  const sink = new RecordingSink();
  sink.failing = { isRetryable: true };
  const first = await OutboxOptimizer.open({ directory, sink, maxPending: 1000 });
  for (let i = 0; i < 40; i++) await first.submit(makeBatch(`big${i}`, i, 200));
  await first.close();
  t.true(statSync(join(directory, "outbox.jsonl")).size > 1 << 20, "spans more than one 1 MiB chunk");
  appendFileSync(join(directory, "outbox.jsonl"), '{"digest":"abc","batch":{"batchId":"torn"');
  sink.failing = false;
  const reopened = await OutboxOptimizer.open({ directory, sink, maxPending: 1000 });
  t.is(reopened.tornLinesDropped, 1);
  t.is(await reopened.pending(), 40);
  t.deepEqual(await reopened.flush(), { acknowledged: 40, pending: 0 });
  await reopened.close();
});

test("back-pressure: past maxPending the trainer is held until the destination takes batches again", async (t) => {
  const sink = new RecordingSink();
  sink.failing = { isRetryable: true };
  const optimizer = await OutboxOptimizer.open({
    directory: tempDir(),
    sink,
    maxPending: 2,
    retry: { initialMs: 20, maxMs: 40 },
  });
  await optimizer.submit(makeBatch("p1"));
  await optimizer.waitForCapacity();
  await optimizer.submit(makeBatch("p2"));
  const heard: number[] = [];
  let released = false;
  const waiting = optimizer.waitForCapacity({ onWait: (n) => heard.push(n) }).then(() => {
    released = true;
  });
  await new Promise((r) => setTimeout(r, 100));
  t.false(released, "held while two batches are unacknowledged");
  t.deepEqual(heard, [2]);
  sink.failing = false;
  await waiting;
  t.true(released, "released once the background redelivery got through");
  t.deepEqual(sink.delivered, ["p1", "p2"]);
  await optimizer.close();
});

test("a submit that arrives while flush() delivers an older batch is delivered after it, not left waiting", async (t) => {
  const directory = tempDir();
  const slow = new RecordingSink();
  slow.failing = { isRetryable: true };
  const first = await OutboxOptimizer.open({ directory, sink: slow });
  await first.submit(makeBatch("old"));
  await first.close();
  const sink = new RecordingSink();
  const deliver = sink.deliver.bind(sink);
  sink.deliver = async (batch) => {
    await new Promise((r) => setTimeout(r, 50));
    return deliver(batch);
  };
  const optimizer = await OutboxOptimizer.open({ directory, sink });
  const flushing = optimizer.flush();
  const submitted = optimizer.submit(makeBatch("new"));
  const outcome = await Promise.race([submitted, new Promise((resolve) => setTimeout(() => resolve("hung"), 5000))]);
  t.deepEqual(outcome, { batchId: "new", status: "acknowledged" });
  t.like(await flushing, { acknowledged: 1 });
  t.deepEqual(sink.delivered, ["old", "new"]);
  await optimizer.close();
});

test("concurrent appends to one log are written one after another, never interleaved", async (t) => {
  const { JsonlLog } = await import("../../packages/core/src/optimizer/jsonl-log.js");
  const path = join(tempDir(), "log.jsonl");
  const { log } = await JsonlLog.open(path);
  await Promise.all(
    Array.from({ length: 50 }, (_, i) => log.append([{ i, pad: "x".repeat(5000) }], { sync: i % 2 === 0 })),
  );
  await log.close();
  const read = lines(path) as unknown as Array<{ i: number }>;
  t.is(read.length, 50);
  t.deepEqual(
    read.map((r) => r.i),
    Array.from({ length: 50 }, (_, i) => i),
  );
});

test("onAcknowledged hears every acknowledgement, from a submit or a resend; a listener that throws loses nothing", async (t) => {
  const sink = new RecordingSink();
  const heard: string[] = [];
  const optimizer = await OutboxOptimizer.open({
    directory: tempDir(),
    sink,
    retry: { initialMs: 5, maxMs: 20 },
    onAcknowledged: (batchId) => {
      heard.push(batchId);
      throw new Error("a listener bug");
    },
  });
  t.teardown(() => optimizer.close());
  t.is((await optimizer.submit(makeBatch("b1"))).status, "acknowledged");
  sink.failing = { isRetryable: true };
  t.is((await optimizer.submit(makeBatch("b2"))).status, "queued");
  sink.failing = false;
  t.is((await optimizer.flushUntilAcknowledged({ timeoutMs: 5000 })).pending, 0);
  t.deepEqual(heard, ["b1", "b2"]);
  t.deepEqual(sink.delivered, ["b1", "b2"]);
});
