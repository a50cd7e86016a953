import { StorageError } from "../errors/storage-error.js";
import type { Optimizer, SubmitResult, TrainingBatch } from "./optimizer.js";
import { validateTrainingBatch } from "./validate-training-batch.js";

/** Options of {@link InMemoryOptimizer}. */
export interface InMemoryOptimizerOptions {
  /** What `policyVersion()` reports. @default "local" */
  policyVersion?: string;
}

/**
 * An {@link Optimizer} that keeps every batch in memory and acknowledges it at once: the trainer's
 * default when no optimizer is given, and a recorder for tests (`batches`). Nothing survives the
 * process; use the OutboxOptimizer when batches must.
 *
 * @example
 * ```ts
 * const optimizer = new InMemoryOptimizer();
 * const trainer = new LanpoTrainer({ policy, reward, optimizer });
 * await trainer.step(problems);
 * optimizer.batches[0]?.samples.length;
 * ```
 */
export class InMemoryOptimizer implements Optimizer {
  readonly #batches: TrainingBatch[] = [];
  readonly #ids = new Set<string>();
  readonly #policyVersion: string;
  #closed = false;

  constructor(options: InMemoryOptimizerOptions = {}) {
    this.#policyVersion = options.policyVersion ?? "local";
  }

  /** Every accepted batch, in submission order (copies: mutating them changes nothing here). */
  get batches(): TrainingBatch[] {
    return structuredClone(this.#batches);
  }

  async submit(batch: TrainingBatch): Promise<SubmitResult> {
    if (this.#closed) throw closed();
    validateTrainingBatch(batch);
    if (this.#ids.has(batch.batchId)) return { batchId: batch.batchId, status: "duplicate" };
    this.#ids.add(batch.batchId);
    this.#batches.push(structuredClone(batch));
    return { batchId: batch.batchId, status: "acknowledged" };
  }

  /** Everything is acknowledged on submit: nothing to resend. */
  async flush(): Promise<{ acknowledged: number; pending: number }> {
    return { acknowledged: 0, pending: 0 };
  }

  async pending(): Promise<number> {
    return 0;
  }

  async policyVersion(): Promise<string> {
    return this.#policyVersion;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

function closed(): StorageError {
  return new StorageError(":memory:", "the optimizer is closed; create a new one to submit batches", {
    code: "LANPO_CLOSED",
  });
}
