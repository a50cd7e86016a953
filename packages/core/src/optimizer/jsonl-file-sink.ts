import type { BatchSink } from "./batch-sink.js";
import { JsonlLog } from "./jsonl-log.js";
import type { TrainingBatch } from "./optimizer.js";

/**
 * The local {@link BatchSink}: appends each delivered batch as one JSON line to a trainer inbox
 * file, which is what a local trainer reads. Idempotent by batch id: a batch delivered again
 * (a resend after a lost acknowledgement) is not written twice, across restarts too.
 *
 * @example
 * ```ts
 * const optimizer = await OutboxOptimizer.open({ directory: "runs/demo/outbox",
 *   sink: new JsonlFileSink("runs/demo/trainer-inbox.jsonl") });
 * ```
 */
export class JsonlFileSink implements BatchSink {
  /** The trainer inbox file. */
  readonly path: string;
  #opened: Promise<{ log: JsonlLog; ids: Set<string> }> | undefined;

  constructor(path: string) {
    this.path = path;
  }

  async deliver(batch: TrainingBatch): Promise<void> {
    const { log, ids } = await this.#open();
    if (ids.has(batch.batchId)) return;
    await log.append([batch]);
    ids.add(batch.batchId);
  }

  /** A local file trains no remote policy: always `"local"`. */
  async policyVersion(): Promise<string> {
    return "local";
  }

  async close(): Promise<void> {
    const opened = this.#opened;
    this.#opened = undefined;
    if (opened) await (await opened.catch(() => undefined))?.log.close();
  }

  #open(): Promise<{ log: JsonlLog; ids: Set<string> }> {
    if (!this.#opened) {
      const opened = JsonlLog.open(this.path).then(({ log, records }) => ({
        log,
        ids: new Set(records.map((r) => (r as { batchId?: unknown }).batchId).filter((id) => typeof id === "string")),
      }));
      // A failed open (disk full, permissions) is retried on the next delivery rather than cached.
      opened.catch(() => {
        if (this.#opened === opened) this.#opened = undefined;
      });
      this.#opened = opened;
    }
    return this.#opened;
  }
}
