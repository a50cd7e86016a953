import { ConfigError, InMemoryOptimizer, StorageError } from "@lanpo/core";
import test from "ava";
import { makeBatch } from "../fixtures/pool-batches.js";

test("batches are acknowledged at once and kept in order", async (t) => {
  const optimizer = new InMemoryOptimizer();
  t.deepEqual(await optimizer.submit(makeBatch("b1")), { batchId: "b1", status: "acknowledged" });
  t.deepEqual(await optimizer.submit(makeBatch("b2", 1)), { batchId: "b2", status: "acknowledged" });
  t.deepEqual(optimizer.batches, [makeBatch("b1"), makeBatch("b2", 1)]);
  t.is(await optimizer.pending(), 0);
  t.deepEqual(await optimizer.flush(), { acknowledged: 0, pending: 0 });
  t.is(await optimizer.policyVersion(), "local");
  t.is(await new InMemoryOptimizer({ policyVersion: "v3" }).policyVersion(), "v3");
});

test("a batch id seen before is a duplicate and is not kept twice", async (t) => {
  const optimizer = new InMemoryOptimizer();
  await optimizer.submit(makeBatch("b1"));
  t.deepEqual(await optimizer.submit(makeBatch("b1", 5)), { batchId: "b1", status: "duplicate" });
  t.is(optimizer.batches.length, 1);
  t.is(optimizer.batches[0]?.step, 0);
});

test("kept batches are copies: mutating the submitted or returned batch changes nothing", async (t) => {
  const optimizer = new InMemoryOptimizer();
  const batch = makeBatch("b1");
  await optimizer.submit(batch);
  batch.samples.pop();
  optimizer.batches[0]?.samples.pop();
  t.is(optimizer.batches[0]?.samples.length, 2);
});

test("malformed batches are ConfigErrors; calls after close are refused", async (t) => {
  const optimizer = new InMemoryOptimizer();
  const bad = makeBatch("b1");
  (bad.samples[0] as { advantage: number }).advantage = Number.POSITIVE_INFINITY;
  const error = await t.throwsAsync(optimizer.submit(bad));
  t.true(ConfigError.isInstance(error));
  t.is((error as ConfigError).field, "batch.samples[0].advantage");
  t.deepEqual(optimizer.batches, []);
  await optimizer.close();
  const closed = await t.throwsAsync(optimizer.submit(makeBatch("b2")));
  t.true(StorageError.isInstance(closed));
  t.is((closed as StorageError).code, "LANPO_CLOSED");
});
