// Multinomial logistic regression, fitted full-batch with Adam: small enough (thousands of rows,
// about 1,600 inputs, a handful of classes) that no library is worth its weight, and deterministic,
// so rerunning the training script on the same vectors gives the same head.
import { softmaxInPlace } from "../../memory/src/embeddings/math-subject-head.js";

export interface SoftmaxFitOptions {
  /** L2 penalty on the weights (not the bias), added to the mean cross-entropy. */
  l2: number;
  /** @default 300 */
  iterations?: number;
  /** @default 0.05 */
  learningRate?: number;
  /** Called every 50 iterations with the mean cross-entropy. */
  onProgress?: (iteration: number, loss: number) => void;
}

export interface SoftmaxModel {
  readonly bias: Float32Array;
  /** Row-major `inputs × classes`. */
  readonly weights: Float32Array;
}

/** `rows`: `n × d` row-major; `labels`: class indices in `[0, classes)`; `subset`: the rows to fit on. */
export function fitSoftmax(
  rows: Float32Array,
  d: number,
  labels: Int32Array,
  classes: number,
  subset: readonly number[],
  options: SoftmaxFitOptions,
): SoftmaxModel {
  const { l2, iterations = 300, learningRate = 0.05, onProgress } = options;
  if (subset.length === 0) throw new RangeError("fitSoftmax: no rows to fit on");
  const size = d * classes;
  // Parameters: weights then bias, one Adam state for all.
  const theta = new Float64Array(size + classes);
  const grad = new Float64Array(size + classes);
  const m = new Float64Array(size + classes);
  const v = new Float64Array(size + classes);
  const z = new Float64Array(classes);
  for (let t = 1; t <= iterations; t++) {
    grad.fill(0);
    let loss = 0;
    for (const r of subset) {
      const o = r * d;
      for (let k = 0; k < classes; k++) z[k] = theta[size + k] as number;
      for (let j = 0; j < d; j++) {
        const x = rows[o + j] as number;
        if (x === 0) continue;
        const w = j * classes;
        for (let k = 0; k < classes; k++) z[k] = (z[k] as number) + x * (theta[w + k] as number);
      }
      softmaxInPlace(z);
      const y = labels[r] as number;
      loss -= Math.log(Math.max(z[y] as number, 1e-300));
      z[y] = (z[y] as number) - 1;
      for (let k = 0; k < classes; k++) grad[size + k] = (grad[size + k] as number) + (z[k] as number);
      for (let j = 0; j < d; j++) {
        const x = rows[o + j] as number;
        if (x === 0) continue;
        const w = j * classes;
        for (let k = 0; k < classes; k++) grad[w + k] = (grad[w + k] as number) + x * (z[k] as number);
      }
    }
    const inv = 1 / subset.length;
    const c1 = 1 - 0.9 ** t;
    const c2 = 1 - 0.999 ** t;
    for (let i = 0; i < theta.length; i++) {
      const g = (grad[i] as number) * inv + (i < size ? 2 * l2 * (theta[i] as number) : 0);
      m[i] = 0.9 * (m[i] as number) + 0.1 * g;
      v[i] = 0.999 * (v[i] as number) + 0.001 * g * g;
      theta[i] =
        (theta[i] as number) - (learningRate * ((m[i] as number) / c1)) / (Math.sqrt((v[i] as number) / c2) + 1e-8);
    }
    if (onProgress !== undefined && (t % 50 === 0 || t === iterations)) onProgress(t, loss * inv);
  }
  return { weights: Float32Array.from(theta.subarray(0, size)), bias: Float32Array.from(theta.subarray(size)) };
}
