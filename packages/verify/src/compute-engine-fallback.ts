import { ComputeEngine } from "@cortex-js/compute-engine";

/** Inputs Compute Engine is never given: long, or with huge literals or towers of powers. */
const MAX_FALLBACK_CHARS = 300;
const DANGEROUS = /\d{16,}|\^\s*\{[^}]*\^|\^\s*\{?\s*\d{4,}|!\s*!|\\(?:int|lim|sum|prod)\b/;

let engine: ComputeEngine | undefined;

/**
 * Asks Compute Engine whether two LaTeX answers are equal, within `budgetMs`. Used only when our
 * own grammar cannot read a side. Returns `undefined` when it cannot decide, refuses the input,
 * runs out of time or throws.
 */
export function computeEngineEqual(a: string, b: string, budgetMs: number): boolean | undefined {
  if (a.length > MAX_FALLBACK_CHARS || b.length > MAX_FALLBACK_CHARS || DANGEROUS.test(a) || DANGEROUS.test(b))
    return undefined;
  if (budgetMs <= 0) return undefined;
  try {
    engine ??= new ComputeEngine();
    const ce = engine;
    return ce.withTimeLimit(budgetMs, () => {
      const x = ce.parse(a);
      const y = ce.parse(b);
      if (!x.isValid || !y.isValid) return undefined;
      const r = x.isEqual(y);
      return typeof r === "boolean" ? r : undefined;
    });
  } catch {
    return undefined;
  }
}
