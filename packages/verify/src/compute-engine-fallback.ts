import { Worker } from "node:worker_threads";

/** Inputs Compute Engine is never given: long, or with huge literals or towers of powers. */
const MAX_FALLBACK_CHARS = 300;
const DANGEROUS = /\d{16,}|\^\s*\{[^}]*\^|\^\s*\{?\s*\d{4,}|!\s*!/;

// Compute Engine is synchronous and does not always honour `withTimeLimit` (an integral ran
// 1.2 s under a 1 s limit), so it runs in a worker thread that is terminated when the budget
// is spent. The calling thread blocks on an Atomics.wait with the remaining budget.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
// One comparison before "ready": Compute Engine builds its definitions and V8 compiles the
// parser on first use, which cost more than a reward's whole budget under load.
const loading = import(workerData.url).then((m) => {
  const ce = new m.ComputeEngine();
  try {
    ce.parse("\\\\gcd(2, 4) + \\\\frac{1}{2}").isEqual(ce.parse("2.5"));
  } catch {}
  return ce;
});
loading.then(() => parentPort.postMessage("ready"), () => parentPort.postMessage("failed"));
parentPort.on("message", async ({ a, b, signal }) => {
  const flag = new Int32Array(signal);
  let result = 3;
  try {
    const ce = await loading;
    const x = ce.parse(a);
    const y = ce.parse(b);
    const r = x.isValid && y.isValid ? x.isEqual(y) : undefined;
    result = r === true ? 1 : r === false ? 2 : 3;
  } catch {}
  Atomics.store(flag, 0, result);
  Atomics.notify(flag, 0);
});`;

interface EngineWorker {
  worker: Worker;
  ready: Promise<void>;
  isReady: boolean;
}

let current: EngineWorker | undefined;

function getWorker(): EngineWorker {
  if (!current) {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // Compute Engine is plain JavaScript: the worker needs none of the parent's loaders (tsx).
      execArgv: [],
      workerData: { url: import.meta.resolve("@cortex-js/compute-engine") },
    });
    worker.unref();
    const entry: EngineWorker = { worker, isReady: false, ready: Promise.resolve() };
    entry.ready = new Promise<void>((resolve, reject) => {
      worker.once("message", (m) => {
        if (m === "ready") {
          entry.isReady = true;
          resolve();
        } else reject(new Error("Compute Engine failed to load in its worker"));
      });
      worker.once("error", reject);
    });
    entry.ready.catch(() => undefined);
    worker.on("error", () => {
      if (current === entry) current = undefined;
    });
    current = entry;
  }
  return current;
}

/**
 * Starts the Compute Engine worker (about 0.3 s) so that the first fallback does not spend its
 * time budget on start-up. `createMathReward` calls it; awaiting it is optional.
 */
export function warmUpComputeEngine(): Promise<void> {
  try {
    return getWorker().ready;
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Asks Compute Engine whether two LaTeX answers are equal, within `budgetMs` of wall time (a call
 * made before {@link warmUpComputeEngine} resolves also spends it on the worker's start-up). Used only when our own grammar
 * cannot read a side. Returns `undefined` when it cannot decide, refuses the input, runs out of
 * time or fails.
 */
export function computeEngineEqual(a: string, b: string, budgetMs: number): boolean | undefined {
  if (a.length > MAX_FALLBACK_CHARS || b.length > MAX_FALLBACK_CHARS || DANGEROUS.test(a) || DANGEROUS.test(b))
    return undefined;
  if (!(budgetMs > 0)) return undefined;
  try {
    const signal = new SharedArrayBuffer(4);
    const flag = new Int32Array(signal);
    const entry = getWorker();
    const wasReady = entry.isReady;
    entry.worker.postMessage({ a, b, signal });
    if (Atomics.wait(flag, 0, 0, budgetMs) === "timed-out") {
      // A stuck computation is killed; a worker still starting up is kept for the next call.
      if (wasReady) {
        void entry.worker.terminate();
        if (current === entry) current = undefined;
      }
      return undefined;
    }
    const v = Atomics.load(flag, 0);
    return v === 1 ? true : v === 2 ? false : undefined;
  } catch {
    return undefined;
  }
}
