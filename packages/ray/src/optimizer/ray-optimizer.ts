import type { Optimizer, OutboxOptimizer, PolicyState, SubmitResult, TrainingBatch } from "@lanpo/core";
import { DeliveryError } from "@lanpo/core";
import { IngestError } from "../ingest/ingest-error.js";
import type { IngestSink } from "../ingest/ingest-sink.js";
import type { RayOptimizerEvent, RayOptimizerEventListener } from "./ray-optimizer-events.js";
import type { TrainerJob } from "./trainer-job.js";

/** What `policyState()` reports before the trainer was ever reached. */
export const UNKNOWN_POLICY_VERSION = "unknown";

/** The outbox a {@link RayOptimizer} composes: core's `OutboxOptimizer`, or anything shaped like it. */
export type RayOutbox = Optimizer &
  Pick<OutboxOptimizer, "flushUntilAcknowledged" | "onAcknowledged"> &
  Partial<Pick<OutboxOptimizer, "lastFailure">> & {
    waitForCapacity(options?: { signal?: AbortSignal; onWait?: (pending: number) => void }): Promise<void>;
  };

/** Options of {@link RayOptimizer}. Usually built by `openRayOptimizer`. */
export interface RayOptimizerOptions {
  /** The durable outbox in front of the ingest: an `OutboxOptimizer` whose sink is `sink`. */
  outbox: RayOutbox;
  /** The ingest sink the outbox delivers to, read for the policy state. */
  sink: IngestSink;
  /** The trainer job this optimizer launched, stopped on close. @default none */
  trainerJob?: TrainerJob;
  /** Stop the launched trainer job on close. @default true */
  stopJobOnClose?: boolean;
  onEvent?: RayOptimizerEventListener;
}

/**
 * The {@link Optimizer} of a run that trains on a Ray cluster. Every batch goes first to the
 * durable outbox, then to the trainer's ingest (idempotent by batch id); the outbox bounds the
 * deliveries in flight, redelivers with exponential backoff and jitter while the trainer is down,
 * holds the trainer loop in `waitForCapacity` once its backlog passes the limit, and after a
 * restart resends what was never acknowledged and never what was. The ingest's receipts give
 * `policyState()`: the policy version and the model name to generate with. It may own the trainer
 * job it launched, whose status and log come through `onEvent`, and which `close()` stops.
 *
 * @example
 * ```ts
 * const optimizer = await openRayOptimizer({ directory: "runs/x/outbox", ingestUrl: "http://head:8000/lanpo" });
 * const trainer = new LanpoTrainer({ policy, reward, optimizer });
 * for await (const report of trainer.run(problems, { steps: 10, batchSize: 8 })) console.log(report.step);
 * const { pending } = await optimizer.flushUntilAcknowledged({ timeoutMs: 60_000 });
 * await optimizer.close();
 * ```
 */
export class RayOptimizer implements Optimizer {
  readonly trainerJob: TrainerJob | undefined;
  readonly #outbox: RayOutbox;
  readonly #sink: IngestSink;
  readonly #stopJobOnClose: boolean;
  readonly #listener: RayOptimizerEventListener | undefined;
  #lastPolicy: PolicyState | undefined;
  #closed = false;

  constructor(options: RayOptimizerOptions) {
    this.#outbox = options.outbox;
    this.#sink = options.sink;
    this.trainerJob = options.trainerJob;
    this.#stopJobOnClose = options.stopJobOnClose ?? true;
    this.#listener = options.onEvent;
    // Every acknowledgement is reported, also of batches a flush or a background resend delivered.
    this.#outbox.onAcknowledged = (batchId, receipt) => {
      const acked = { ...this.#sink.lastPolicyState, ...receipt };
      this.#emit({
        type: "batch-acked",
        batchId,
        ...(acked.policyVersion === undefined ? {} : { policyVersion: acked.policyVersion }),
        ...(acked.servedModel === undefined ? {} : { servedModel: acked.servedModel }),
      });
    };
  }

  /** The most recent failed delivery (batch id, error, retryable), until a later one succeeds. */
  get lastFailure(): { batchId: string; error: unknown; isRetryable: boolean } | undefined {
    return this.#outbox.lastFailure;
  }

  async submit(batch: TrainingBatch): Promise<SubmitResult> {
    const result = await this.#outbox.submit(batch);
    if (result.status === "acknowledged") {
      const acked: SubmitResult = { ...this.#sink.lastPolicyState, ...result };
      this.#notePolicy(acked);
      return acked;
    }
    if (result.status === "queued") {
      const failure = this.#outbox.lastFailure?.error;
      this.#emit({
        type: "batch-queued",
        batchId: batch.batchId,
        pending: await this.#outbox.pending(),
        ...(failure === undefined ? {} : { error: failure instanceof Error ? failure.message : String(failure) }),
      });
    }
    return result;
  }

  async flush(): Promise<{ acknowledged: number; pending: number }> {
    try {
      return await this.#outbox.flush();
    } catch (error) {
      this.#reportRefusal(error);
      throw error;
    }
  }

  /**
   * Keeps delivering (with backoff) until every batch is acknowledged or `timeoutMs` passes.
   * Resolves `{ acknowledged, pending }`: pending > 0 means the ingest stayed away, and those
   * batches are safe in the outbox for a later `--resume`. Throws a DeliveryError when the ingest
   * refuses a batch for good (a 4xx such as group_incomplete): resending cannot help.
   */
  async flushUntilAcknowledged(options: { timeoutMs: number }): Promise<{ acknowledged: number; pending: number }> {
    try {
      return await this.#outbox.flushUntilAcknowledged({ timeoutMs: options.timeoutMs });
    } catch (error) {
      this.#reportRefusal(error);
      throw error;
    } finally {
      const state = this.#sink.lastPolicyState;
      if (state) this.#notePolicy(state);
    }
  }

  pending(): Promise<number> {
    return this.#outbox.pending();
  }

  async policyVersion(): Promise<string> {
    return (await this.policyState()).policyVersion;
  }

  /**
   * The policy state the ingest last reported: from this process's last receipt or status read,
   * else from the outbox's stored receipts (a resumed run), else from `GET {ingest}/v1/status`.
   * While the trainer cannot be reached it is the last version known, or `"unknown"`.
   */
  async policyState(): Promise<PolicyState> {
    let state: PolicyState;
    try {
      state = this.#sink.lastPolicyState ?? (await this.#storedOrAsked());
    } catch (error) {
      // The trainer is away (the run goes on and its batches queue): keep the last version known,
      // or say it is unknown. A refusal (a wrong URL, a 404) is thrown: it will not go away.
      if (!IngestError.isInstance(error) || !error.isRetryable) throw error;
      state = this.#lastPolicy ?? { policyVersion: UNKNOWN_POLICY_VERSION };
    }
    this.#notePolicy(state);
    return { ...state };
  }

  waitForCapacity(options: { signal?: AbortSignal; onWait?: (pending: number) => void } = {}): Promise<void> {
    return this.#outbox.waitForCapacity(options);
  }

  /** Stops (or, with `stopJobOnClose: false`, leaves running) the trainer job, then closes the outbox. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (this.trainerJob) {
        if (this.#stopJobOnClose) await this.trainerJob.stop().catch(() => undefined);
        else await this.trainerJob.detach();
      }
    } finally {
      await this.#outbox.close();
    }
  }

  async #storedOrAsked(): Promise<PolicyState> {
    const stored = await this.#outbox.policyState?.();
    // The outbox falls back to the sink's policyVersion(), which reads the status (and its served model).
    const asked = this.#sink.lastPolicyState;
    if (asked) return asked;
    return stored ?? (await this.#sink.policyState());
  }

  #reportRefusal(error: unknown): void {
    if (DeliveryError.isInstance(error)) {
      this.#emit({ type: "delivery-refused", batchId: error.batchId, error: error.message });
    }
  }

  #notePolicy(state: { policyVersion?: string; servedModel?: string }): void {
    const { policyVersion, servedModel } = state;
    if (policyVersion === undefined) return;
    const last = this.#lastPolicy;
    if (last && last.policyVersion === policyVersion && last.servedModel === servedModel) return;
    this.#lastPolicy = servedModel === undefined ? { policyVersion } : { policyVersion, servedModel };
    if (last) {
      this.#emit({ type: "policy-changed", policyVersion, ...(servedModel === undefined ? {} : { servedModel }) });
    }
  }

  #emit(event: RayOptimizerEvent): void {
    try {
      this.#listener?.(event);
    } catch {
      // A listener's failure must not stop deliveries.
    }
  }
}
