import { join } from "node:path";
import { StorageError } from "../errors/storage-error.js";
import { type BatchSink, isRetryableDeliveryError } from "./batch-sink.js";
import { DeliveryError } from "./delivery-error.js";
import { JsonlFileSink } from "./jsonl-file-sink.js";
import { JsonlLog } from "./jsonl-log.js";
import type { Optimizer, SubmitResult, TrainingBatch } from "./optimizer.js";
import { validateTrainingBatch } from "./validate-training-batch.js";

/** Options of {@link OutboxOptimizer.open}. */
export interface OutboxOptimizerOptions {
  /** Folder of the outbox (`outbox.jsonl`, `acks.jsonl`); created if missing. */
  directory: string;
  /**
   * Where batches are delivered.
   * @default new JsonlFileSink(join(directory, "trainer-inbox.jsonl"))
   */
  sink?: BatchSink;
  /** Clock for acknowledgement times. @default Date.now */
  now?: () => number;
}

/** The last delivery that failed, for status lines and logs. */
export interface DeliveryFailure {
  batchId: string;
  error: unknown;
  isRetryable: boolean;
}

/**
 * The embedded default {@link Optimizer}: a durable local outbox in front of a {@link BatchSink}.
 *
 * `submit` appends the batch to `outbox.jsonl` and fsyncs before anything else, so a verified
 * batch survives the destination being down and the process being killed. It then delivers every
 * unacknowledged batch in order, recording each delivery in `acks.jsonl` (appended and fsynced
 * too). A batch id already in the outbox is a `duplicate` and writes nothing. Reopening the folder
 * after a crash recovers the unacknowledged batches; a torn last line left by a crash mid-append is
 * dropped and counted in `tornLinesDropped`.
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
  readonly #sink: BatchSink;
  readonly #ownsSink: boolean;
  readonly #now: () => number;
  readonly #known: Set<string>;
  readonly #pending: TrainingBatch[];
  #lastFailure: DeliveryFailure | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** Opens (or creates) the outbox in `options.directory` and recovers what it holds. */
  static async open(options: OutboxOptimizerOptions): Promise<OutboxOptimizer> {
    const outbox = await JsonlLog.open(join(options.directory, "outbox.jsonl"));
    let acks: Awaited<ReturnType<typeof JsonlLog.open>>;
    try {
      acks = await JsonlLog.open(join(options.directory, "acks.jsonl"));
    } catch (error) {
      await outbox.log.close();
      throw error;
    }
    const acknowledged = new Set(acks.records.map((r) => (r as { batchId?: unknown }).batchId));
    const batches = outbox.records as TrainingBatch[];
    const bad = batches.findIndex((b) => typeof b?.batchId !== "string" || !Array.isArray(b.samples));
    if (bad !== -1) {
      await outbox.log.close();
      await acks.log.close();
      throw new StorageError(
        outbox.log.path,
        `line ${bad + 1} is valid JSON but not a training batch; this folder holds something other than a LANPO outbox`,
        { code: "LANPO_CORRUPT" },
      );
    }
    return new OutboxOptimizer(options, {
      outbox: outbox.log,
      acks: acks.log,
      known: new Set(batches.map((b) => b.batchId)),
      pending: batches.filter((b) => !acknowledged.has(b.batchId)),
      tornLinesDropped: outbox.tornLinesDropped + acks.tornLinesDropped,
    });
  }

  private constructor(
    options: OutboxOptimizerOptions,
    state: { outbox: JsonlLog; acks: JsonlLog; known: Set<string>; pending: TrainingBatch[]; tornLinesDropped: number },
  ) {
    this.directory = options.directory;
    this.#sink = options.sink ?? new JsonlFileSink(join(options.directory, "trainer-inbox.jsonl"));
    this.#ownsSink = options.sink === undefined;
    this.#now = options.now ?? Date.now;
    this.#outbox = state.outbox;
    this.#acks = state.acks;
    this.#known = state.known;
    this.#pending = state.pending;
    this.tornLinesDropped = state.tornLinesDropped;
  }

  /** The most recent failed delivery, until a later delivery succeeds. */
  get lastFailure(): DeliveryFailure | undefined {
    return this.#lastFailure;
  }

  /**
   * Makes the batch durable, then tries to deliver it (after any earlier unacknowledged ones).
   * Resolves `acknowledged`, `queued` (durable, not delivered: the sink failed) or `duplicate`.
   * Rejects only when the batch could not be made durable (StorageError, for example `ENOSPC`)
   * or is malformed (ConfigError); then nothing of it was kept.
   */
  submit(batch: TrainingBatch): Promise<SubmitResult> {
    return this.#exclusive(async () => {
      validateTrainingBatch(batch);
      if (this.#known.has(batch.batchId)) return { batchId: batch.batchId, status: "duplicate" };
      const copy = structuredClone(batch);
      await this.#outbox.append([copy]);
      this.#known.add(copy.batchId);
      this.#pending.push(copy);
      await this.#drain(false);
      const queued = this.#pending.some((b) => b.batchId === copy.batchId);
      return { batchId: copy.batchId, status: queued ? "queued" : "acknowledged" };
    });
  }

  /**
   * Resends every unacknowledged batch, oldest first, stopping at the first that fails so order is
   * kept. Throws a {@link DeliveryError} when the sink refuses a batch for good (`isRetryable:
   * false`); the batch stays in the outbox.
   */
  flush(): Promise<{ acknowledged: number; pending: number }> {
    return this.#exclusive(async () => {
      const acknowledged = await this.#drain(true);
      return { acknowledged, pending: this.#pending.length };
    });
  }

  async pending(): Promise<number> {
    return this.#pending.length;
  }

  /** What the sink reports, or `"local"` for a sink that does not say. */
  async policyVersion(): Promise<string> {
    return (await this.#sink.policyVersion?.()) ?? "local";
  }

  /** Waits for work in progress, then closes the files (and the default sink). Twice is fine. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#queue.catch(() => {});
    this.#closed = true;
    await this.#outbox.close();
    await this.#acks.close();
    if (this.#ownsSink) await this.#sink.close?.();
  }

  /** Delivers pending batches in order; returns how many were acknowledged. */
  async #drain(throwIfRefused: boolean): Promise<number> {
    let acknowledged = 0;
    while (this.#pending.length > 0) {
      const batch = this.#pending[0] as TrainingBatch;
      try {
        await this.#sink.deliver(batch);
      } catch (error) {
        const isRetryable = isRetryableDeliveryError(error);
        this.#lastFailure = { batchId: batch.batchId, error, isRetryable };
        if (throwIfRefused && !isRetryable) {
          throw new DeliveryError(
            batch.batchId,
            `the sink refused it and says a resend cannot succeed (${String((error as Error)?.message ?? error)}). ` +
              `It stays in ${join(this.directory, "outbox.jsonl")}: fix the destination, then flush again.`,
            { isRetryable: false, cause: error },
          );
        }
        return acknowledged;
      }
      try {
        await this.#acks.append([{ batchId: batch.batchId, ackedAtMs: this.#now() }]);
      } catch (error) {
        // Delivered but the acknowledgement is not durable: keep it pending, a resend is harmless
        // because sinks accept a batch id twice.
        this.#lastFailure = { batchId: batch.batchId, error, isRetryable: true };
        return acknowledged;
      }
      this.#pending.shift();
      this.#lastFailure = undefined;
      acknowledged += 1;
    }
    return acknowledged;
  }

  /** One operation at a time: appends and deliveries must not interleave. */
  #exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(() => {
      if (this.#closed) {
        throw new StorageError(this.directory, "the outbox is closed; open it again to submit or flush", {
          code: "LANPO_CLOSED",
        });
      }
      return run();
    });
    this.#queue = result.catch(() => {});
    return result;
  }
}
