// RayOptimizer over the real outbox and the fake ingest: loss-free delivery while the ingest
// fails, is slow, or is killed and restarted; back-pressure; the policy state from receipts.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRayOptimizer, type RayOptimizerEvent } from "@lanpo/ray";
import test from "ava";
import { ingestBatch } from "../fixtures/ingest-batches.js";
import { type FakeIngest, startFakeIngest } from "../fixtures/ingest-fake-server.js";

const FAST = { backoff: { initialDelayMs: 5, maxDelayMs: 40 }, ingestTimeoutMs: 2000 };

function tempDir(): string {
  return join(mkdtempSync(join(tmpdir(), "lanpo-ray-optimizer-")), "outbox");
}

function assertEachAppliedOnce(t: import("ava").ExecutionContext, ingest: FakeIngest, count: number): void {
  const expected = Array.from({ length: count }, (_, n) => `batch-${String(n).padStart(5, "0")}`);
  t.deepEqual([...ingest.batchApplications.keys()].sort(), expected);
  t.true([...ingest.batchApplications.values()].every((times) => times === 1));
  t.is(ingest.rolloutApplications.size, count * 8);
  t.true([...ingest.rolloutApplications.values()].every((times) => times === 1));
}

const id = (n: number) => `batch-${String(n).padStart(5, "0")}`;

test("batches are acknowledged with the trainer's policy version and served model", async (t) => {
  const ingest = await startFakeIngest({ samplesPerUpdate: 16, servedModelPrefix: "lora" });
  t.teardown(() => ingest.close());
  const events: RayOptimizerEvent[] = [];
  const optimizer = await openRayOptimizer({
    directory: tempDir(),
    ingestUrl: ingest.url,
    ...FAST,
    onEvent: (e) => events.push(e),
  });
  t.teardown(() => optimizer.close());
  t.deepEqual(await optimizer.policyState(), { policyVersion: "v0", servedModel: "lora-v0" });
  t.like(await optimizer.submit(ingestBatch(id(0), 0)), { status: "acknowledged", policyVersion: "v0" });
  t.like(await optimizer.submit(ingestBatch(id(1), 1)), {
    status: "acknowledged",
    policyVersion: "v1",
    servedModel: "lora-v1",
  });
  t.deepEqual(await optimizer.policyState(), { policyVersion: "v1", servedModel: "lora-v1" });
  t.is(await optimizer.policyVersion(), "v1");
  t.like(await optimizer.submit(ingestBatch(id(1), 1)), { status: "duplicate" });
  t.true(events.some((e) => e.type === "policy-changed" && e.servedModel === "lora-v1"));
  assertEachAppliedOnce(t, ingest, 2);
});

test("500s and dropped connections: batches queue durably and are resent in the background", async (t) => {
  const ingest = await startFakeIngest();
  t.teardown(() => ingest.close());
  const events: RayOptimizerEvent[] = [];
  const optimizer = await openRayOptimizer({
    directory: tempDir(),
    ingestUrl: ingest.url,
    ...FAST,
    onEvent: (e) => events.push(e),
  });
  t.teardown(() => optimizer.close());
  ingest.failNext(3, "500");
  t.is((await optimizer.submit(ingestBatch(id(0), 0))).status, "queued");
  ingest.failNext(2, "drop");
  await optimizer.submit(ingestBatch(id(1), 1));
  // An acknowledgement lost after the ingest applied the batch: the resend is a duplicate.
  ingest.failNext(1, "drop-after-apply");
  await optimizer.submit(ingestBatch(id(2), 2));
  t.is((await optimizer.flushUntilAcknowledged({ timeoutMs: 10_000 })).pending, 0);
  t.is(await optimizer.pending(), 0);
  assertEachAppliedOnce(t, ingest, 3);
  t.true(events.some((e) => e.type === "batch-queued"));
});

test("the ingest killed and restarted mid-run: every batch arrives, none applied twice", async (t) => {
  const ingest = await startFakeIngest();
  t.teardown(() => ingest.close());
  const optimizer = await openRayOptimizer({ directory: tempDir(), ingestUrl: ingest.url, ...FAST });
  t.teardown(() => optimizer.close());
  for (let n = 0; n < 30; n++) {
    if (n === 10) await ingest.stop();
    if (n === 20) await ingest.start();
    await optimizer.submit(ingestBatch(id(n), n));
  }
  t.is((await optimizer.flushUntilAcknowledged({ timeoutMs: 10_000 })).pending, 0);
  assertEachAppliedOnce(t, ingest, 30);
});

test("background resends deliver without another submit once the ingest is back", async (t) => {
  const ingest = await startFakeIngest();
  t.teardown(() => ingest.close());
  const events: RayOptimizerEvent[] = [];
  const optimizer = await openRayOptimizer({
    directory: tempDir(),
    ingestUrl: ingest.url,
    ...FAST,
    onEvent: (e) => events.push(e),
  });
  t.teardown(() => optimizer.close());
  await ingest.stop();
  for (let n = 0; n < 3; n++) t.is((await optimizer.submit(ingestBatch(id(n), n))).status, "queued");
  await ingest.start();
  while ((await optimizer.pending()) > 0) await new Promise((r) => setTimeout(r, 10));
  assertEachAppliedOnce(t, ingest, 3);
  // Each batch's acknowledgement is an event, though no submit saw it acknowledged.
  t.deepEqual(
    events
      .filter((e) => e.type === "batch-acked")
      .map((e) => (e as { batchId: string }).batchId)
      .sort(),
    [id(0), id(1), id(2)].sort(),
  );
});

test("flushUntilAcknowledged gives up past its timeout and says how many are pending", async (t) => {
  const ingest = await startFakeIngest();
  t.teardown(() => ingest.close());
  const directory = tempDir();
  const optimizer = await openRayOptimizer({ directory, ingestUrl: ingest.url, ...FAST });
  await ingest.stop();
  await optimizer.submit(ingestBatch(id(0), 0));
  await optimizer.submit(ingestBatch(id(1), 1));
  t.deepEqual(await optimizer.flushUntilAcknowledged({ timeoutMs: 100 }), { acknowledged: 0, pending: 2 });
  await optimizer.close();
  // Reopened later with the ingest back: the outbox resends both, once.
  await ingest.start();
  const reopened = await openRayOptimizer({ directory, ingestUrl: ingest.url, ...FAST });
  t.teardown(() => reopened.close());
  t.is((await reopened.flushUntilAcknowledged({ timeoutMs: 10_000 })).pending, 0);
  assertEachAppliedOnce(t, ingest, 2);
});

test("a slow ingest: deliveries wait and nothing is lost or doubled", async (t) => {
  const ingest = await startFakeIngest({ delayMs: 50 });
  t.teardown(() => ingest.close());
  const optimizer = await openRayOptimizer({ directory: tempDir(), ingestUrl: ingest.url, ...FAST });
  t.teardown(() => optimizer.close());
  await Promise.all(Array.from({ length: 5 }, (_, n) => optimizer.submit(ingestBatch(id(n), n))));
  t.is((await optimizer.flushUntilAcknowledged({ timeoutMs: 10_000 })).pending, 0);
  assertEachAppliedOnce(t, ingest, 5);
});

test("back-pressure: waitForCapacity holds the loop while the backlog is at the limit", async (t) => {
  const ingest = await startFakeIngest();
  t.teardown(() => ingest.close());
  const optimizer = await openRayOptimizer({
    directory: tempDir(),
    ingestUrl: ingest.url,
    ...FAST,
    maxPendingBatches: 2,
  });
  t.teardown(() => optimizer.close());
  await ingest.stop();
  await optimizer.submit(ingestBatch(id(0), 0));
  await optimizer.waitForCapacity();
  await optimizer.submit(ingestBatch(id(1), 1));
  let released = false;
  const waiting = optimizer.waitForCapacity().then(() => {
    released = true;
  });
  await new Promise((r) => setTimeout(r, 100));
  t.false(released);
  await ingest.start();
  await waiting;
  t.true(released);
  const aborted = new AbortController();
  await ingest.stop();
  await optimizer.submit(ingestBatch(id(2), 2));
  await optimizer.submit(ingestBatch(id(3), 3));
  const abortedWait = optimizer.waitForCapacity({ signal: aborted.signal });
  aborted.abort(new Error("run cancelled"));
  await t.throwsAsync(abortedWait, { message: "run cancelled" });
});

test("a batch the ingest refuses for good is reported and kept", async (t) => {
  const ingest = await startFakeIngest();
  t.teardown(() => ingest.close());
  const events: RayOptimizerEvent[] = [];
  const optimizer = await openRayOptimizer({
    directory: tempDir(),
    ingestUrl: ingest.url,
    ...FAST,
    onEvent: (e) => events.push(e),
  });
  t.teardown(() => optimizer.close());
  const short = ingestBatch(id(0), 0);
  short.samples.pop();
  t.is((await optimizer.submit(short)).status, "queued");
  await t.throwsAsync(optimizer.flushUntilAcknowledged({ timeoutMs: 1000 }), { message: /group_incomplete/ });
  t.is(await optimizer.pending(), 1);
  t.true(events.some((e) => e.type === "delivery-refused" && e.batchId === id(0)));
});

test("policyState while the trainer was never reached is unknown, not a crash; a wrong URL throws", async (t) => {
  const ingest = await startFakeIngest();
  t.teardown(() => ingest.close());
  await ingest.stop();
  const optimizer = await openRayOptimizer({ directory: tempDir(), ingestUrl: ingest.url, ...FAST });
  t.teardown(() => optimizer.close());
  t.deepEqual(await optimizer.policyState(), { policyVersion: "unknown" });
  await ingest.start();
  t.is((await optimizer.submit(ingestBatch(id(0), 0))).status, "acknowledged");
  await ingest.stop();
  t.is(await optimizer.policyVersion(), "v0");
  await ingest.start();
  const wrong = await openRayOptimizer({ directory: tempDir(), ingestUrl: `${ingest.url}/nope`, ...FAST });
  t.teardown(() => wrong.close());
  await t.throwsAsync(wrong.policyState(), { message: /check the ingest URL/ });
});
