import { type AnswerValue, buildValue } from "./answer-value.js";
import { goldChoice, predictedChoice } from "./choice-letter.js";
import { type CompareContext, compareValues } from "./compare-values.js";
import { computeEngineEqual } from "./compute-engine-fallback.js";
import { extractAnswerDetailed, extractGoldAnswer } from "./extract-answer.js";
import { type NormalizedAnswer, normalizeAnswer } from "./normalize-answer.js";
import { resolveVerifyOptions, type VerifyOptions } from "./verify-options.js";

/** The verdict of one comparison; `reason` names the rule that decided it. */
export interface Equivalence {
  equal: boolean;
  /**
   * `identical`, `numeric`, `symbolic`, `set`, `tuple`, `interval`, `union`, `equation`,
   * `inequality`, `assignments`, `matrix`, `text`, `percent`, `degrees`, `compute-engine` when equal;
   * otherwise the rule that found a difference, or `no-answer`, `no-gold-answer`,
   * `invalid-input`, `timeout`, `error`.
   */
  reason: string;
}

class Timeout extends Error {}

const MAX_ANSWER_CHARS = 5000;

function scaleBy(v: AnswerValue, factor: number): AnswerValue {
  if (v.type !== "expr") return v;
  return {
    type: "expr",
    text: "",
    node: { kind: "mul", args: [v.node, { kind: "num", value: factor, text: String(factor) }] },
  };
}

/** Our grammar gave up on a side that still looks like LaTeX: worth asking Compute Engine. */
function worthFallback(v: AnswerValue, n: NormalizedAnswer): boolean {
  return v.type === "text" && /\\[a-zA-Z]/.test(n.text);
}

/**
 * Decides whether a predicted answer matches the gold answer. Both may be bare answers or whole
 * solutions (the final answer is extracted from each). Never throws, and returns within about
 * `timeoutMs` (`reason: "timeout"` otherwise).
 *
 * @example
 * isEquivalent("$\\frac{1}{2}$", "The answer is $0.5$.") // { equal: true, reason: "numeric" }
 */
export function isEquivalent(gold: unknown, pred: unknown, options?: VerifyOptions): Equivalence {
  try {
    const o = resolveVerifyOptions(options);
    // Numbers are accepted where strings are expected (a JSON gold of 5 is the answer "5").
    if (typeof gold === "number" && Number.isFinite(gold)) gold = String(gold);
    if (typeof pred === "number" && Number.isFinite(pred)) pred = String(pred);
    if (typeof gold !== "string" || typeof pred !== "string") return { equal: false, reason: "invalid-input" };
    // A multiple-choice gold (`C`, `(D) Alina`) is matched against the choice the completion names.
    const choice = goldChoice(gold);
    if (choice !== undefined) {
      const picked = predictedChoice(pred);
      if (picked !== undefined) return { equal: picked === choice, reason: "choice" };
    }
    const deadline = o.now() + o.timeoutMs;
    const checkDeadline = () => {
      if (o.now() > deadline) throw new Timeout();
    };
    // A gold written as a sentence states its answer after its copula, not in its last number.
    const g = extractGoldAnswer(gold);
    if (!g) return { equal: false, reason: "no-gold-answer" };
    const p = extractAnswerDetailed(pred);
    if (!p) return { equal: false, reason: "no-answer" };
    checkDeadline();
    // Answers this long are not math; only an exact match counts (and normalising them costs).
    if (g.answer.length > MAX_ANSWER_CHARS || p.answer.length > MAX_ANSWER_CHARS)
      return g.answer.trim() === p.answer.trim()
        ? { equal: true, reason: "identical" }
        : { equal: false, reason: "text" };
    const gn = normalizeAnswer(g.answer, g);
    const pn = normalizeAnswer(p.answer, p);
    if (gn.text === pn.text && gn.text !== "") return { equal: true, reason: "identical" };
    if (gn.text === "" || pn.text === "") return { equal: false, reason: "text" };
    checkDeadline();
    const gv = buildValue(gn.text);
    const pv = buildValue(pn.text);
    checkDeadline();
    const ctx: CompareContext = {
      relativeTolerance: o.relativeTolerance,
      listOrder: o.listOrder,
      setsMatchTuples: o.setsMatchTuples,
      checkDeadline,
    };
    const verdict = compareValues(gv, pv, ctx);
    if (verdict.result === "equal") return { equal: true, reason: verdict.reason };
    // A gold of n parts against a completion that boxed its parts one by one, far apart, or
    // answered each under its part label.
    const parts = gv.type === "list" || gv.type === "tuple" ? gv.items.length : 0;
    const pieces = p.boxes ?? p.parts;
    if (parts > 1 && pieces && pieces.length >= parts && pieces.length <= 20) {
      const joined = normalizeAnswer(pieces.slice(-parts).join(","));
      const r = compareValues(gv, buildValue(joined.text), ctx);
      if (r.result === "equal") return { equal: true, reason: r.reason };
    }
    // 28% may be written 0.28, and 0.28 as 28%.
    if (gn.percent !== pn.percent) {
      const scaled = gn.percent ? compareValues(scaleBy(gv, 0.01), pv, ctx) : compareValues(gv, scaleBy(pv, 0.01), ctx);
      if (scaled.result === "equal") return { equal: true, reason: "percent" };
    }
    // 60° may be written π/3 (an angle in degrees against one in radians).
    if (gn.degrees !== pn.degrees && /\\pi/.test(gn.degrees ? pn.text : gn.text)) {
      const scaled = gn.degrees
        ? compareValues(scaleBy(gv, Math.PI / 180), pv, ctx)
        : compareValues(gv, scaleBy(pv, Math.PI / 180), ctx);
      if (scaled.result === "equal") return { equal: true, reason: "degrees" };
    }
    if (verdict.result === "unknown" && o.computeEngineFallback && (worthFallback(gv, gn) || worthFallback(pv, pn))) {
      checkDeadline();
      const r = computeEngineEqual(gn.text, pn.text, deadline - o.now());
      checkDeadline();
      if (r !== undefined) return { equal: r, reason: "compute-engine" };
    }
    return { equal: false, reason: verdict.result === "unknown" ? "text" : verdict.reason };
  } catch (error) {
    if (error instanceof Timeout) return { equal: false, reason: "timeout" };
    return { equal: false, reason: "error" };
  }
}
