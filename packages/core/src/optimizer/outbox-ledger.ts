import { createHash } from "node:crypto";
import type { DeliveryReceipt } from "./batch-sink.js";
import type { TrainingBatch } from "./optimizer.js";

/** One line of `acks.jsonl`. */
export interface AckRecord {
  batchId: string;
  ackedAtMs: number;
  /** Digest of the batch's rollout ids, so a later batch with the same id and other rollouts is refused. */
  digest?: string;
  /** 64-bit hashes of its rollout ids, base64: rollout-level deduplication outlives compaction. */
  rollouts?: string;
  policyVersion?: string;
  servedModel?: string;
}

/** One line of `outbox.jsonl` (older outboxes hold bare batches). */
export interface OutboxRecord {
  digest: string;
  batch: TrainingBatch;
}

/** Digest of a batch's rollout ids, in any order. */
export function rolloutDigest(batch: TrainingBatch): string {
  const ids = batch.samples.map((s) => s.rolloutId).sort();
  return createHash("sha256").update(ids.join("\n")).digest("base64url").slice(0, 22);
}

/** The first 64 bits of the id's SHA-256, as 11 base64url characters (they round-trip through bytes). */
function rolloutHash(id: string): string {
  return createHash("sha256").update(id).digest().subarray(0, 8).toString("base64url");
}

/**
 * What the outbox knows of every batch it ever took, in memory and small: batch id to rollout
 * digest, which batches are acknowledged, and a 64-bit hash of every rollout id. Rebuilt on open
 * from `acks.jsonl` (acknowledged batches, which compaction removes from `outbox.jsonl`) and
 * `outbox.jsonl`.
 */
export class OutboxLedger {
  readonly #digests = new Map<string, string>();
  readonly #acknowledged = new Set<string>();
  readonly #rollouts = new Set<string>();
  lastReceipt: DeliveryReceipt | undefined;

  addAck(record: unknown): void {
    const ack = record as AckRecord;
    if (typeof ack?.batchId !== "string") return;
    this.#acknowledged.add(ack.batchId);
    if (typeof ack.digest === "string") this.#digests.set(ack.batchId, ack.digest);
    if (typeof ack.rollouts === "string") {
      const bytes = Buffer.from(ack.rollouts, "base64");
      for (let i = 0; i + 8 <= bytes.length; i += 8) this.#rollouts.add(bytes.subarray(i, i + 8).toString("base64url"));
    }
    if (ack.policyVersion !== undefined || ack.servedModel !== undefined) {
      this.lastReceipt = {
        ...this.lastReceipt,
        ...(ack.policyVersion === undefined ? {} : { policyVersion: ack.policyVersion }),
        ...(ack.servedModel === undefined ? {} : { servedModel: ack.servedModel }),
      };
    }
  }

  /** Records a batch as submitted (its digest given when the stored copy lost samples to deduplication). */
  addSubmitted(batch: TrainingBatch, digest: string = rolloutDigest(batch)): void {
    if (!this.#digests.has(batch.batchId)) this.#digests.set(batch.batchId, digest);
    for (const s of batch.samples) this.#rollouts.add(rolloutHash(s.rolloutId));
  }

  digestOf(batchId: string): string | undefined {
    return this.#digests.get(batchId);
  }

  isAcknowledged(batchId: string): boolean {
    return this.#acknowledged.has(batchId);
  }

  /** `new`, `same` (a resend of a batch already taken) or `conflict` (its id with other rollouts). */
  compare(batch: TrainingBatch): "new" | "same" | "conflict" {
    const known = this.#digests.get(batch.batchId);
    if (known === undefined) return "new";
    return known === rolloutDigest(batch) ? "same" : "conflict";
  }

  hasRollout(rolloutId: string): boolean {
    return this.#rollouts.has(rolloutHash(rolloutId));
  }

  acknowledge(batchId: string, receipt: DeliveryReceipt | undefined): void {
    this.#acknowledged.add(batchId);
    if (receipt?.policyVersion !== undefined || receipt?.servedModel !== undefined) {
      this.lastReceipt = { ...this.lastReceipt, ...receipt };
    }
  }

  ackRecord(batch: TrainingBatch, ackedAtMs: number, receipt: DeliveryReceipt | undefined): AckRecord {
    const hashes = Buffer.concat(batch.samples.map((s) => Buffer.from(rolloutHash(s.rolloutId), "base64url")));
    return {
      batchId: batch.batchId,
      ackedAtMs,
      digest: this.#digests.get(batch.batchId) ?? rolloutDigest(batch),
      rollouts: hashes.toString("base64"),
      ...(receipt?.policyVersion === undefined ? {} : { policyVersion: receipt.policyVersion }),
      ...(receipt?.servedModel === undefined ? {} : { servedModel: receipt.servedModel }),
    };
  }
}
