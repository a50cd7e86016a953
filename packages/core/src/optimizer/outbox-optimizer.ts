import { join } from "node:path";
import { ConfigError } from "../errors/config-error.js";
import { StorageError } from "../errors/storage-error.js";
import { type BatchSink, type DeliveryReceipt, isRetryableDeliveryError } from "./batch-sink.js";
import { DeliveryError } from "./delivery-error.js";
import { JsonlFileSink } from "./jsonl-file-sink.js";
import { JsonlLog } from "./jsonl-log.js";
import type { Optimizer, PolicyState, SubmitResult, TrainingBatch } from "./optimizer.js";
import { OutboxLedger, type OutboxRecord, rolloutDigest } from "./outbox-ledger.js";
import { validateTrainingBatch } from "./validate-training-batch.js";

const COMPACT_BYTES = 1 << 20;

/** Options of {@link OutboxOptimizer.open}. */
export interface OutboxOptimizerOptions {
  /** Folder of the outbox (`outbox.jsonl`, `acks.jsonl`); created if missing. */
  directory: string;
  /**
   * Where batches are delivered.
   * @default new JsonlFileSink(join(directory, "trainer-inbox.jsonl"))
   */
  sink?: BatchSink;
  /**
   * Unacknowledged batches above which `waitForCapacity` holds the trainer back (back-pressure).
   * @default 64
   */
  maxPending?: number;
  /** Deliveries in flight at once. @default 1 (batches arrive in order) */
  maxInFlight?: number;
  /** Backoff of background redelivery while the destination is down, with jitter. @default { initialMs: 200, maxMs: 10000 } */
  retry?: { initialMs: number; maxMs: number };
  /** Acknowledged batches kept in `outbox.jsonl` before it is compacted (sooner once the file passes 1 MiB). @default 32 */
  compactAfter?: number;
  /** Clock for acknowledgement times. @default Date.now */
  now?: () => number;
  /**
   * Hears every acknowledgement, whichever delivery got it: a submit, a flush or a background
   * resend. A listener that throws is ignored (the batch is acknowledged all the same).
   */
  onAcknowledged?: AcknowledgementListener;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
}

/** Called with each acknowledged batch's id and what the destination answered. */
export type AcknowledgementListener = (batchId: string, receipt: DeliveryReceipt | undefined) => void;

/** The last delivery that failed, for status lines and logs. */
export interface DeliveryFailure {
  batchId: string;
  error: unknown;
  isRetryable: boolean;
}

interface Pending {
  batch: TrainingBatch;
  delivering: boolean;
}

/**
 * The embedded default {@link Optimizer}: a durable local outbox in front of a {@link BatchSink}.
 *
 * `submit` appends the batch to `outbox.jsonl` and fsyncs before anything else (concurrent
 * submits share one write and one fsync), so a verified batch survives the destination being
 * down and the process being killed. It then delivers unacknowledged batches (at most
 * `maxInFlight` at once), recording each acknowledgement in `acks.jsonl` (fsynced too); while the
 * destination is down it redelivers in the background with backoff and jitter. Acknowledged
 * batches are compacted out of `outbox.jsonl`, so it stays as small as the backlog; opening reads
 * it one line at a time. A batch id already submitted is a `duplicate` when it carries the same
 * rollouts and an error when it carries others; samples whose rollout id was already submitted in
 * another batch are dropped. A torn last line left by a crash mid-append is dropped and counted in
 * `tornLinesDropped`.
 *
 * @example
 * ```ts
 * const optimizer = await OutboxOptimizer.open({ directory: "runs/demo/outbox" });
 * const trainer = new LanpoTrainer({ policy, reward, optimizer });
 * // after a crash: reopen the same folder, then
 * await optimizer.flush(); // resends whatever was never acknowledged
 * ```
 */
export class OutboxOptimizer implements Optimizer {
  readonly directory: string;
  /** Torn last lines dropped when the outbox and acks files were opened (0 after a clean shutdown). */
  readonly tornLinesDropped: number;
  readonly #outbox: JsonlLog;
  readonly #acks: JsonlLog;
  readonly #ledger: OutboxLedger;
  readonly #sink: BatchSink;
  readonly #ownsSink: boolean;
  readonly #settings: Required<Omit<OutboxOptimizerOptions, "directory" | "sink" | "onAcknowledged">>;
  /** See {@link OutboxOptimizerOptions.onAcknowledged}; whoever owns the outbox may set it later. */
  onAcknowledged: AcknowledgementListener | undefined;
  readonly #pending: Pending[];
  #ackedInOutbox: number;
  #lastFailure: DeliveryFailure | undefined;
  #receipt: DeliveryReceipt | undefined;
  #appendQueue: Array<{ record: OutboxRecord; done: (error?: unknown) => void }> = [];
  #appending = false;
  #compacting: Promise<void> = Promise.resolve();
  #retryTimer: NodeJS.Timeout | undefined;
  #retryAttempt = 0;
  #capacityWaiters: Array<() => void> = [];
  #deliveryWaiters = new Map<string, Array<() => void>>();
  #closed = false;

  /** Opens (or creates) the outbox in `options.directory` and recovers what it holds. */
  static async open(options: OutboxOptimizerOptions): Promise<OutboxOptimizer> {
    const settings = {
      maxPending: 64,
      maxInFlight: 1,
      retry: { initialMs: 200, maxMs: 10_000 },
      compactAfter: 32,
      now: Date.now,
      random: Math.random,
      ...Object.fromEntries(
        Object.entries(options).filter(([k, v]) => v !== undefined && k !== "sink" && k !== "directory"),
      ),
    } as Required<Omit<OutboxOptimizerOptions, "directory" | "sink">>;
    for (const field of ["maxPending", "maxInFlight", "compactAfter"] as const) {
      if (!Number.isInteger(settings[field]) || settings[field] < 1) {
        throw new ConfigError(field, `must be an integer >= 1, got ${String(settings[field])}`);
      }
    }
    const ledger = new OutboxLedger();
    const acks = await JsonlLog.openStreaming(join(options.directory, "acks.jsonl"), (record) => ledger.addAck(record));
    const pending: Pending[] = [];
    let acked = 0;
    let bad: number | undefined;
    let outbox: Awaited<ReturnType<typeof JsonlLog.openStreaming>>;
    try {
      outbox = await JsonlLog.openStreaming(join(options.directory, "outbox.jsonl"), (record, line) => {
        const wrapped = record as Partial<OutboxRecord> | null;
        const batch = (wrapped?.batch ?? record) as TrainingBatch;
        if (typeof batch?.batchId !== "string" || !Array.isArray(batch.samples)) {
          bad ??= line;
          return;
        }
        ledger.addSubmitted(batch, typeof wrapped?.digest === "string" ? wrapped.digest : undefined);
        if (ledger.isAcknowledged(batch.batchId)) acked++;
        else pending.push({ batch, delivering: false });
      });
    } catch (error) {
      await acks.log.close();
      throw error;
    }
    if (bad !== undefined) {
      await outbox.log.close();
      await acks.log.close();
      throw new StorageError(
        outbox.log.path,
        `line ${bad} is valid JSON but not a training batch; this folder holds something other than a LANPO outbox`,
        { code: "LANPO_CORRUPT" },
      );
    }
    return new OutboxOptimizer(options, settings, {
      outbox: outbox.log,
      acks: acks.log,
      ledger,
      pending,
      acked,
      tornLinesDropped: outbox.tornLinesDropped + acks.tornLinesDropped,
    });
  }

  private constructor(
    options: OutboxOptimizerOptions,
    settings: Required<Omit<OutboxOptimizerOptions, "directory" | "sink">>,
    state: {
      outbox: JsonlLog;
      acks: JsonlLog;
      ledger: OutboxLedger;
      pending: Pending[];
      acked: number;
      tornLinesDropped: number;
    },
  ) {
    this.directory = options.directory;
    this.#sink = options.sink ?? new JsonlFileSink(join(options.directory, "trainer-inbox.jsonl"));
    this.#ownsSink = options.sink === undefined;
    this.#settings = settings;
    this.onAcknowledged = options.onAcknowledged;
    this.#outbox = state.outbox;
    this.#acks = state.acks;
    this.#ledger = state.ledger;
    this.#pending = state.pending;
    this.#ackedInOutbox = state.acked;
    this.#receipt = state.ledger.lastReceipt;
    this.tornLinesDropped = state.tornLinesDropped;
  }

  /** The most recent failed delivery, until a later delivery succeeds. */
  get lastFailure(): DeliveryFailure | undefined {
    return this.#lastFailure;
  }

  /** Bytes in `outbox.jsonl`: the unacknowledged backlog plus at most `compactAfter` acknowledged batches. */
  get outboxBytes(): number {
    return this.#outbox.size;
  }

  /**
   * Makes the batch durable, then tries to deliver it. The batch is delivered as passed: do not
   * mutate it after submitting (the trainer never does). Resolves `acknowledged` (with what the
   * destination said), `queued` (durable, not delivered yet: it is redelivered in the background)
   * or `duplicate`. Rejects only when the batch could not be made durable (StorageError, for
   * example `ENOSPC`), is malformed (ConfigError), or reuses a batch id with other rollouts
   * (ConfigError); then nothing of it was kept.
   */
  async submit(batch: TrainingBatch): Promise<SubmitResult> {
    this.#checkOpen();
    validateTrainingBatch(batch);
    const known = this.#ledger.compare(batch);
    if (known === "same") return { batchId: batch.batchId, status: "duplicate", ...this.#receiptFields() };
    if (known === "conflict") {
      throw new ConfigError(
        "batch.batchId",
        `"${batch.batchId}" was submitted before with other rollouts; a batch id names one set of rollouts for good: a resend must carry the same samples`,
      );
    }
    // Serialised at append time: what is durable is what the caller passed, whatever it mutates later.
    const copy = this.#ledger.unseen(batch);
    if (copy.samples.length === 0 && batch.samples.length > 0) {
      return { batchId: batch.batchId, status: "duplicate", ...this.#receiptFields() };
    }
    await this.#append(copy, rolloutDigest(batch));
    // Resolves when this batch's delivery is done, or when a delivery fails and the queue stalls.
    const settled = new Promise<void>((resolve) => this.#onDelivery(copy.batchId, resolve));
    // A new batch is a good moment to retry a stalled queue rather than wait for the timer.
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#pump();
    await settled;
    const queued = this.#pending.some((p) => p.batch.batchId === copy.batchId);
    return { batchId: copy.batchId, status: queued ? "queued" : "acknowledged", ...this.#receiptFields() };
  }

  /**
   * Tries to deliver every unacknowledged batch now, oldest first. Resolves to how many were
   * acknowledged and how many are still pending. Throws a {@link DeliveryError} when the sink
   * refuses a batch for good (`isRetryable: false`); the batch stays in the outbox.
   */
  async flush(): Promise<{ acknowledged: number; pending: number }> {
    this.#checkOpen();
    const snapshot = [...this.#pending];
    let stalled = false;
    try {
      for (const entry of snapshot) {
        if (!this.#pending.includes(entry)) continue;
        // A delivery the background pump started: wait for it rather than send the batch twice.
        if (entry.delivering) await new Promise<void>((resolve) => this.#onDelivery(entry.batch.batchId, resolve));
        if (!this.#pending.includes(entry)) continue;
        if (entry.delivering) break;
        const outcome = await this.#deliver(entry);
        if (outcome === "refused") {
          const failure = this.#lastFailure;
          throw new DeliveryError(
            entry.batch.batchId,
            `the sink refused it and says a resend cannot succeed (${String((failure?.error as Error)?.message ?? failure?.error)}). ` +
              `It stays in ${join(this.directory, "outbox.jsonl")}: fix the destination, then flush again.`,
            { isRetryable: false, cause: failure?.error },
          );
        }
        if (outcome === "failed") {
          stalled = true;
          break;
        }
      }
    } finally {
      // Batches submitted while this flush ran wait behind it: start them now, or, when the
      // destination is down, at the next background retry.
      if (stalled) this.#scheduleRetry();
      else this.#pump();
    }
    const acknowledged = snapshot.filter((e) => !this.#pending.includes(e)).length;
    return { acknowledged, pending: this.#pending.length };
  }

  /**
   * Keeps delivering (with backoff) until every batch is acknowledged or `timeoutMs` passes;
   * resolves to how many batches this call delivered (`acknowledged`, 0 when none was pending) and
   * how many are still pending (safe in the outbox).
   */
  async flushUntilAcknowledged(options: { timeoutMs: number }): Promise<{ acknowledged: number; pending: number }> {
    const deadline = this.#settings.now() + options.timeoutMs;
    let acknowledged = 0;
    for (let attempt = 0; ; attempt++) {
      const result = await this.flush();
      acknowledged += result.acknowledged;
      if (result.pending === 0 || this.#settings.now() >= deadline) return { acknowledged, pending: result.pending };
      const delay = Math.min(this.#backoff(attempt), Math.max(0, deadline - this.#settings.now()));
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  async pending(): Promise<number> {
    return this.#pending.length;
  }

  /** Resolves once fewer than `maxPending` batches are unacknowledged; `onWait` hears when it must wait. */
  async waitForCapacity(options: { signal?: AbortSignal; onWait?: (pending: number) => void } = {}): Promise<void> {
    if (this.#pending.length < this.#settings.maxPending) return;
    options.onWait?.(this.#pending.length);
    this.#pump();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(options.signal?.reason ?? new Error("aborted"));
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.#capacityWaiters.push(() => {
        options.signal?.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  /** What the destination last reported, else what the sink says, else `"local"`. */
  async policyVersion(): Promise<string> {
    return (await this.policyState()).policyVersion;
  }

  async policyState(): Promise<PolicyState> {
    const version = this.#receipt?.policyVersion ?? (await this.#sink.policyVersion?.()) ?? "local";
    return {
      policyVersion: version,
      ...(this.#receipt?.servedModel ? { servedModel: this.#receipt.servedModel } : {}),
    };
  }

  /** Waits for appends and deliveries in progress, then closes the files (and the default sink). Twice is fine. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    while (this.#appending || this.#pending.some((p) => p.delivering)) await new Promise((r) => setTimeout(r, 5));
    await this.#compacting.catch(() => {});
    for (const wake of this.#capacityWaiters.splice(0)) wake();
    for (const waiters of this.#deliveryWaiters.values()) for (const wake of waiters) wake();
    await this.#outbox.close();
    await this.#acks.close();
    if (this.#ownsSink) await this.#sink.close?.();
  }

  #receiptFields(): Pick<SubmitResult, "policyVersion" | "servedModel"> {
    const r = this.#receipt;
    return {
      ...(r?.policyVersion === undefined ? {} : { policyVersion: r.policyVersion }),
      ...(r?.servedModel === undefined ? {} : { servedModel: r.servedModel }),
    };
  }

  /** Appends `batch` durably; appends waiting meanwhile share the next write and fsync. */
  #append(batch: TrainingBatch, digest: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#appendQueue.push({
        record: { digest, batch },
        done: (error) => {
          if (error) return reject(error);
          this.#ledger.addSubmitted(batch, digest);
          this.#pending.push({ batch, delivering: false });
          resolve();
        },
      });
      if (!this.#appending) void this.#writeAppends();
    });
  }

  async #writeAppends(): Promise<void> {
    this.#appending = true;
    while (this.#appendQueue.length > 0) {
      const group = this.#appendQueue.splice(0);
      try {
        await this.#outbox.append(group.map((g) => g.record));
        for (const g of group) g.done();
      } catch (error) {
        for (const g of group) g.done(error);
      }
    }
    this.#appending = false;
  }

  /** Starts deliveries of pending batches, at most `maxInFlight` at once, oldest first. */
  #pump(): void {
    if (this.#closed) return;
    let inFlight = this.#pending.filter((p) => p.delivering).length;
    for (const entry of this.#pending) {
      if (inFlight >= this.#settings.maxInFlight) break;
      if (entry.delivering) continue;
      inFlight++;
      void this.#deliver(entry).then((outcome) => {
        if (outcome === "acknowledged") this.#pump();
        else this.#scheduleRetry();
      });
      // In order by default: with one in flight, the next starts only after this one is acknowledged.
    }
  }

  async #deliver(entry: Pending): Promise<"acknowledged" | "failed" | "refused"> {
    const { batch } = entry;
    entry.delivering = true;
    let outcome: "acknowledged" | "failed" | "refused" = "failed";
    try {
      const receipt = (await this.#sink.deliver(batch)) ?? undefined;
      // Not fsynced: an acknowledgement lost in a crash only means one harmless resend (the
      // destination recognises the batch id), and it halves the fsyncs of a submit.
      await this.#acks.append([this.#ledger.ackRecord(batch, this.#settings.now(), receipt ?? undefined)], {
        sync: false,
      });
      this.#ledger.acknowledge(batch.batchId, receipt ?? undefined);
      if (receipt?.policyVersion !== undefined || receipt?.servedModel !== undefined) {
        this.#receipt = { ...this.#receipt, ...receipt };
      }
      try {
        this.onAcknowledged?.(batch.batchId, receipt ?? undefined);
      } catch {
        // A listener's failure is its own: the acknowledgement is already recorded.
      }
      this.#pending.splice(this.#pending.indexOf(entry), 1);
      this.#ackedInOutbox++;
      this.#lastFailure = undefined;
      this.#retryAttempt = 0;
      outcome = "acknowledged";
      this.#wakeCapacity();
      this.#maybeCompact();
    } catch (error) {
      const isRetryable = isRetryableDeliveryError(error);
      this.#lastFailure = { batchId: batch.batchId, error, isRetryable };
      outcome = isRetryable ? "failed" : "refused";
    } finally {
      entry.delivering = false;
      this.#wakeDelivery(batch.batchId);
      // A failure stalls the queue: every submit waiting behind it resolves as queued.
      if (outcome !== "acknowledged") for (const id of [...this.#deliveryWaiters.keys()]) this.#wakeDelivery(id);
    }
    return outcome;
  }

  #wakeDelivery(batchId: string): void {
    for (const wake of this.#deliveryWaiters.get(batchId) ?? []) wake();
    this.#deliveryWaiters.delete(batchId);
  }

  #onDelivery(batchId: string, wake: () => void): void {
    const waiters = this.#deliveryWaiters.get(batchId) ?? [];
    waiters.push(wake);
    this.#deliveryWaiters.set(batchId, waiters);
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retryTimer !== undefined || this.#pending.length === 0) return;
    const delay = this.#backoff(this.#retryAttempt++);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#pump();
    }, delay);
    // A waiting redelivery must not keep a finished process alive: the batch is safe on disk.
    this.#retryTimer.unref();
  }

  #backoff(attempt: number): number {
    const { initialMs, maxMs } = this.#settings.retry;
    return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20)) * (0.5 + this.#settings.random() / 2);
  }

  #wakeCapacity(): void {
    if (this.#pending.length >= this.#settings.maxPending) return;
    for (const wake of this.#capacityWaiters.splice(0)) wake();
  }

  /** Rewrites `outbox.jsonl` with the pending batches only, once enough acknowledged ones pile up. */
  #maybeCompact(): void {
    // By count, and by size: large batches are compacted once the acknowledged ones outnumber the
    // backlog and the file passes 1 MiB, so the file stays about as large as what is unacknowledged.
    const bySize = this.#outbox.size > COMPACT_BYTES && this.#ackedInOutbox >= Math.max(1, this.#pending.length);
    if (this.#ackedInOutbox < this.#settings.compactAfter && !bySize) return;
    this.#ackedInOutbox = 0;
    this.#compacting = this.#compacting.then(async () => {
      // Appends wait for the rewrite (and the rewrite for appends in progress): they share one file.
      while (this.#appending) await new Promise((r) => setTimeout(r, 1));
      this.#appending = true;
      try {
        await this.#outbox.rewrite(
          this.#pending.map((p) => ({
            digest: this.#ledger.digestOf(p.batch.batchId) ?? rolloutDigest(p.batch),
            batch: p.batch,
          })),
        );
      } catch {
        // The old file is intact: acknowledged batches in it are skipped on open (acks.jsonl knows them).
      } finally {
        this.#appending = false;
        if (this.#appendQueue.length > 0) void this.#writeAppends();
      }
    });
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new StorageError(this.directory, "the outbox is closed; open it again to submit or flush", {
        code: "LANPO_CLOSED",
      });
    }
  }
}
