import { createHash } from "node:crypto";
import test from "ava";
import type { TrainingBatch } from "../../packages/core/src/optimizer/optimizer.js";
import { OutboxLedger, rolloutHash } from "../../packages/core/src/optimizer/outbox-ledger.js";

// The oracle: the 64-bit hash as first written, from a Hash object's raw bytes. Acknowledgement
// files written by either must decode to the same set, so a resumed outbox still knows its rollouts.
const oracle = (id: string) => createHash("sha256").update(id).digest().subarray(0, 8).toString("base64url");

test("rollout hashes are the first 8 bytes of SHA-256, as written by earlier outboxes", (t) => {
  const ids = ["", "r", "rollout-1", "ü-🙂", ...Array.from({ length: 2000 }, (_, i) => `run-7/step-${i}/g${i % 9}`)];
  for (const id of ids) t.is(rolloutHash(id), oracle(id), id);
});

function batch(batchId: string, rolloutIds: string[]): TrainingBatch {
  return {
    batchId,
    runId: "run",
    step: 0,
    createdAtMs: 0,
    samples: rolloutIds.map((rolloutId) => ({ rolloutId }) as TrainingBatch["samples"][number]),
  } as TrainingBatch;
}

test("an ack record's rollout bytes rebuild the ledger's rollouts after a restart", (t) => {
  const first = new OutboxLedger();
  const b = batch("b1", ["a", "b", "c"]);
  first.addSubmitted(b);
  const record = first.ackRecord(b, 1, undefined);
  t.is(Buffer.from(record.rollouts as string, "base64").length, 24);
  const reopened = new OutboxLedger();
  reopened.addAck(JSON.parse(JSON.stringify(record)));
  const again = reopened.unseen(batch("b2", ["b", "d"]));
  t.deepEqual(
    again.samples.map((s) => s.rolloutId),
    ["d"],
  );
});

test("unseen returns the batch itself when every rollout is new", (t) => {
  const ledger = new OutboxLedger();
  const b = batch("b1", ["x", "y"]);
  t.is(ledger.unseen(b), b);
});
