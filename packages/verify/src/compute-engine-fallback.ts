import { Worker } from "node:worker_threads";

/** Inputs Compute Engine is never given: long, or with huge literals or towers of powers. */
const MAX_FALLBACK_CHARS = 300;
const DANGEROUS = /\d{16,}|\^\s*\{[^}]*\^|\^\s*\{?\s*\d{4,}|!\s*!/;

// Compute Engine is synchronous and does not always honour `withTimeLimit` (an integral ran
// 1.2 s under a 1 s limit), so it runs in a worker thread that is terminated when the budget
// is spent. The calling thread blocks on an Atomics.wait with the remaining budget.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
let ce;
parentPort.on("message", async ({ a, b, signal }) => {
  const flag = new Int32Array(signal);
  let result = 3;
  try {
    if (!ce) ce = new (await import(workerData.url)).ComputeEngine();
    const x = ce.parse(a);
    const y = ce.parse(b);
    const r = x.isValid && y.isValid ? x.isEqual(y) : undefined;
    result = r === true ? 1 : r === false ? 2 : 3;
  } catch {}
  Atomics.store(flag, 0, result);
  Atomics.notify(flag, 0);
});`;

let worker: Worker | undefined;

function getWorker(): Worker {
  if (!worker) {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { url: import.meta.resolve("@cortex-js/compute-engine") },
    });
    worker.unref();
    worker.on("error", () => {
      worker = undefined;
    });
  }
  return worker;
}

/**
 * Asks Compute Engine whether two LaTeX answers are equal, within `budgetMs` of wall time (the
 * first call also pays for starting the worker, about 0.3 s). Used only when our own grammar
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
    const w = getWorker();
    w.postMessage({ a, b, signal });
    if (Atomics.wait(flag, 0, 0, budgetMs) === "timed-out") {
      void w.terminate();
      if (worker === w) worker = undefined;
      return undefined;
    }
    const v = Atomics.load(flag, 0);
    return v === 1 ? true : v === 2 ? false : undefined;
  } catch {
    return undefined;
  }
}
