import type { ExtractedAnswer } from "./extract-answer.js";
import { extractAnswerDetailed, extractGoldAnswer } from "./extract-answer.js";
import { type Equivalence, isEquivalent } from "./is-equivalent.js";
import { normalizeAnswer } from "./normalize-answer.js";
import type { VerifyOptions } from "./verify-options.js";

/** One side of an explained verdict: the answer found in it, where, and its normal form. */
export interface ExplainedSide {
  /** The final answer extracted, or `undefined` when none was found. */
  answer: string | undefined;
  /** Where it came from (`boxed`, `phrase`, `math`, `number`, `whole`), when found. */
  source: ExtractedAnswer["source"] | undefined;
  /** The answer after normalisation (what the comparison reads), when found. */
  normalized: string | undefined;
}

/** A verdict with the answers it was reached on, for `lanpo verify --explain` and debugging. */
export interface ExplainedEquivalence extends Equivalence {
  gold: ExplainedSide;
  pred: ExplainedSide;
}

function side(text: unknown, isGold: boolean): ExplainedSide {
  const t = typeof text === "number" && Number.isFinite(text) ? String(text) : text;
  const found = isGold ? extractGoldAnswer(t) : extractAnswerDetailed(t);
  if (!found) return { answer: undefined, source: undefined, normalized: undefined };
  return {
    answer: found.answer,
    source: found.source,
    normalized: normalizeAnswer(found.answer, found).text,
  };
}

/**
 * {@link isEquivalent}, and the answers extracted from both sides with their normal forms.
 * Never throws.
 *
 * @example
 * explainEquivalence("\\frac12", "So the answer is $0.5$.")
 * // { equal: true, reason: "numeric", gold: { answer: "\\frac12", … }, pred: { answer: "0.5", source: "math", … } }
 */
export function explainEquivalence(gold: unknown, pred: unknown, options?: VerifyOptions): ExplainedEquivalence {
  const verdict = isEquivalent(gold, pred, options);
  try {
    return { ...verdict, gold: side(gold, true), pred: side(pred, false) };
  } catch {
    const none = { answer: undefined, source: undefined, normalized: undefined };
    return { ...verdict, gold: none, pred: none };
  }
}
