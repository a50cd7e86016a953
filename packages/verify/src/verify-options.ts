/** Options of {@link isEquivalent}, {@link mathReward} and {@link createMathReward}. */
export interface VerifyOptions {
  /**
   * Relative tolerance for numbers that are not both exact decimals or integers
   * (`1/3` vs `0.3333`). Exact literals (`16386.16` vs `16386.17`) and integers compare exactly.
   * @default 1e-4
   */
  relativeTolerance?: number;
  /**
   * Time budget of one comparison in milliseconds; a case that runs out is
   * `{ equal: false, reason: "timeout" }`.
   * @default 1000
   */
  timeoutMs?: number;
  /**
   * Try Compute Engine when our own grammar cannot read an answer (an unknown LaTeX command).
   * @default true
   */
  computeEngineFallback?: boolean;
  /**
   * How lists without brackets (`10, 4, -2`, "3 and 5", several boxes) compare. `unordered`
   * treats them as sets, as Math-Verify and the Qwen grader do (the order of the solutions of an
   * equation does not matter); `ordered` compares them item by item, as the hendrycks MATH grader
   * does (it compares strings). Tuples `(a, b)` and vectors are always ordered.
   * @default "unordered"
   */
  listOrder?: "unordered" | "ordered";
  /**
   * Whether a set written with braces (`\{1, 3\}`, `{1,3}`) equals a tuple or bare list with the
   * same elements in any order (`(1, 3)`), as Math-Verify decides; `false` keeps sets and tuples
   * apart, as strict graders do.
   * @default true
   */
  setsMatchTuples?: boolean;
  /** Clock in milliseconds, injectable for tests. @default performance.now */
  now?: () => number;
}

/** {@link VerifyOptions} with every default applied. */
export type ResolvedVerifyOptions = Required<VerifyOptions>;

export const DEFAULT_VERIFY_OPTIONS: ResolvedVerifyOptions = {
  relativeTolerance: 1e-4,
  timeoutMs: 1000,
  computeEngineFallback: true,
  listOrder: "unordered",
  setsMatchTuples: true,
  now: () => performance.now(),
};

/** Applies defaults in one place; invalid numbers fall back to the default rather than throwing. */
export function resolveVerifyOptions(options?: VerifyOptions): ResolvedVerifyOptions {
  const o = { ...DEFAULT_VERIFY_OPTIONS, ...stripUndefined(options ?? {}) } satisfies ResolvedVerifyOptions;
  if (!(Number.isFinite(o.relativeTolerance) && o.relativeTolerance >= 0))
    o.relativeTolerance = DEFAULT_VERIFY_OPTIONS.relativeTolerance;
  if (!(typeof o.timeoutMs === "number" && o.timeoutMs >= 0)) o.timeoutMs = DEFAULT_VERIFY_OPTIONS.timeoutMs;
  if (o.listOrder !== "ordered" && o.listOrder !== "unordered") o.listOrder = DEFAULT_VERIFY_OPTIONS.listOrder;
  if (typeof o.setsMatchTuples !== "boolean") o.setsMatchTuples = DEFAULT_VERIFY_OPTIONS.setsMatchTuples;
  if (typeof o.now !== "function") o.now = DEFAULT_VERIFY_OPTIONS.now;
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
