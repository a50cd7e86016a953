import { createHash, hash } from "node:crypto";
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

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * The first 64 bits of the id's SHA-256, as 11 base64url characters (they round-trip through bytes).
 * Read from the digest's own base64url text: the first 10 characters hold bits 0-59; the 11th holds
 * bits 60-65, of which an 8-byte encoding keeps 60-63. One native call instead of a Hash object per
 * id: a submit hashes every rollout, and that was a third of the outbox's CPU.
 */
export function rolloutHash(id: string): string {
  const text = hash("sha256", id, "base64url");
  return text.slice(0, 10) + BASE64URL[BASE64URL.indexOf(text[10] as string) & 0x3c];
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
  /** Rollout hashes of the batches in flight, computed once per batch object. */
  readonly #hashes = new WeakMap<TrainingBatch, readonly string[]>();
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
    for (const h of this.#hashesOf(batch)) this.#rollouts.add(h);
  }

  /** `batch`, or a copy without the rollouts a batch taken before already holds. */
  unseen(batch: TrainingBatch): TrainingBatch {
    const hashes = this.#hashesOf(batch);
    if (!hashes.some((h) => this.#rollouts.has(h))) return batch;
    const keep = hashes.map((h) => !this.#rollouts.has(h));
    const copy = { ...batch, samples: batch.samples.filter((_, i) => keep[i]) };
    this.#hashes.set(
      copy,
      hashes.filter((_, i) => keep[i]),
    );
    return copy;
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

  acknowledge(batchId: string, receipt: DeliveryReceipt | undefined): void {
    this.#acknowledged.add(batchId);
    if (receipt?.policyVersion !== undefined || receipt?.servedModel !== undefined) {
      this.lastReceipt = { ...this.lastReceipt, ...receipt };
    }
  }

  ackRecord(batch: TrainingBatch, ackedAtMs: number, receipt: DeliveryReceipt | undefined): AckRecord {
    const hashes = Buffer.alloc(8 * batch.samples.length);
    for (const [i, h] of this.#hashesOf(batch).entries()) hashes.write(h, 8 * i, 8, "base64url");
    return {
      batchId: batch.batchId,
      ackedAtMs,
      digest: this.#digests.get(batch.batchId) ?? rolloutDigest(batch),
      rollouts: hashes.toString("base64"),
      ...(receipt?.policyVersion === undefined ? {} : { policyVersion: receipt.policyVersion }),
      ...(receipt?.servedModel === undefined ? {} : { servedModel: receipt.servedModel }),
    };
  }

  #hashesOf(batch: TrainingBatch): readonly string[] {
    let hashes = this.#hashes.get(batch);
    if (!hashes) {
      hashes = batch.samples.map((s) => rolloutHash(s.rolloutId));
      this.#hashes.set(batch, hashes);
    }
    return hashes;
  }
}
