import type { AnswerMatcher } from "@lanpo/core";
import { type AnswerValue, buildValue } from "./answer-value.js";
import { type CompareContext, compareValues } from "./compare-values.js";
import { evaluateExpression } from "./expr/evaluate-expression.js";
import { freeSymbols } from "./expr/expr-node.js";
import { extractAnswerDetailed, findBoxed } from "./extract-answer.js";
import { FINAL_ANSWER_PHRASE } from "./final-answer-phrases.js";
import { LruCache } from "./matcher/lru-cache.js";
import { asciiMath, textCandidates } from "./matcher/text-candidates.js";
import { normalizeAnswer } from "./normalize-answer.js";

/** Options of {@link createVerifierAnswerMatcher}. */
export interface VerifierAnswerMatcherOptions {
  /**
   * Verdicts remembered, per (text, answer) and kind of question; the least recently used are
   * forgotten first. `0` turns the cache off.
   * @default 4096
   */
  cacheSize?: number;
}

const DEFAULTS: Required<VerifierAnswerMatcherOptions> = { cacheSize: 4096 };

/** What a gold answer is, read once: numbers it may be written as, or a structure, or words. */
type Gold =
  | { kind: "number"; values: number[] }
  | { kind: "value"; value: AnswerValue; compact: string }
  | { kind: "text"; words: RegExp; compact: string }
  | { kind: "choice"; letter: string }
  | { kind: "none" };

const CTX: CompareContext = {
  relativeTolerance: 1e-6,
  listOrder: "unordered",
  setsMatchTuples: true,
  checkDeadline: () => undefined,
};

function constantValue(v: AnswerValue): number | undefined {
  if (v.type !== "expr" || freeSymbols(v.node).size > 0) return undefined;
  const n = evaluateExpression(v.node, { symbols: new Map(), seed: 0 });
  return Number.isFinite(n) ? n : undefined;
}

function compact(s: string): string {
  return s
    .toLowerCase()
    .replace(/\\(?:left|right|displaystyle|!|,|;| )|[\s$]/g, "")
    .replace(/\\[dt]frac/g, "\\frac");
}

function readGold(answer: string): Gold {
  const found = extractAnswerDetailed(asciiMath(answer));
  if (!found) return { kind: "none" };
  const letter = /^\s*\(?\s*(?:\\text\{\s*\(?)?([A-J])\)?\s*\}?\s*\)?\s*$/.exec(found.answer);
  if (letter) return { kind: "choice", letter: letter[1] as string };
  const n = normalizeAnswer(found.answer, found);
  if (n.text === "") return { kind: "none" };
  const value = buildValue(n.text);
  const number = constantValue(value);
  if (number !== undefined) return { kind: "number", values: n.percent ? [number, number / 100] : [number] };
  if (value.type === "text") {
    const escaped = n.text.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return {
      kind: "text",
      words: new RegExp(`(?<![\\p{L}\\d])${escaped}(?![\\p{L}\\d])`, "u"),
      compact: compact(n.text),
    };
  }
  return { kind: "value", value, compact: compact(n.text) };
}

/** Decimals written to `d` places match a gold that rounds to them (`0.33` for 1/3), when d ≥ 2. */
function numberMatches(candidate: number, literal: string, gold: number): boolean {
  if (Math.abs(candidate - gold) <= 1e-9 * Math.max(1, Math.abs(gold))) return true;
  if (Number.isInteger(gold)) return false;
  const places = /^-?\d*\.(\d+)$/.exec(literal)?.[1]?.length ?? 0;
  return places >= 2 && Math.abs(candidate - gold) <= 0.5 * 10 ** -places + 1e-12;
}

const PLAIN_NUMBER = /^-?(?:\d+(?:\.\d+)?|\.\d+)$/;

function candidateMatches(candidate: string, gold: Gold): boolean {
  // Most candidates are plain numbers: read them without the normaliser.
  if (gold.kind === "number" && PLAIN_NUMBER.test(candidate))
    return gold.values.some((g) => numberMatches(Number(candidate), candidate, g));
  const n = normalizeAnswer(candidate, true);
  if (n.text === "") return false;
  const value = buildValue(n.text);
  if (gold.kind === "number") {
    const c = constantValue(value);
    if (c === undefined) return false;
    const readings = n.percent ? [c, c / 100] : [c];
    return readings.some((r) => gold.values.some((g) => numberMatches(r, n.text, g)));
  }
  if (gold.kind === "value") return compareValues(gold.value, value, CTX).result === "equal";
  return false;
}

function choiceMentioned(text: string, letter: string): boolean {
  return new RegExp(
    `\\(${letter}\\)|\\\\text\\{\\s*\\(?${letter}\\)?\\s*\\}|\\b(?:answer|choice|option)\\s*(?:is|:)?\\s*\\(?${letter}\\b`,
    "i",
  ).test(text);
}

function mentioned(text: string, gold: Gold): boolean {
  switch (gold.kind) {
    case "none":
      return false;
    case "choice":
      return choiceMentioned(text, gold.letter);
    case "text":
      return gold.words.test(text.toLowerCase()) || (gold.compact.length >= 3 && compact(text).includes(gold.compact));
    case "value":
      if (gold.compact.length >= 3 && compact(asciiMath(text)).includes(gold.compact)) return true;
      return textCandidates(text, true).some((c) => candidateMatches(c, gold));
    case "number":
      return textCandidates(text, false).some((c) => candidateMatches(c, gold));
  }
}

/** The stretches of a text that state a result: boxes, what follows "the answer is", a final "= …". */
function assertions(text: string): string[] {
  const out: string[] = [];
  for (const box of findBoxed(text)) out.push(box.content);
  FINAL_ANSWER_PHRASE.lastIndex = 0;
  for (let m = FINAL_ANSWER_PHRASE.exec(text); m !== null; m = FINAL_ANSWER_PHRASE.exec(text)) {
    if (m[0].length === 0) FINAL_ANSWER_PHRASE.lastIndex++;
    const rest = text.slice(m.index + m[0].length, m.index + m[0].length + 200);
    out.push(rest.split(/(?<=[^\d])\.(?:\s|$)|[\n。;!?]/)[0] ?? rest);
  }
  // "… = 12." / "… is 12." / "so x equals 12$." ending a statement.
  const FINAL =
    /(?:=|\\approx|≈|\b(?:is|are|equals|gives|get|was|be)\b)\s*([^=\n。;!?]{1,80}?)\s*\$*\s*(?=[.;!?。,]\s|[.;!?。]$|\n|$)/g;
  for (const m of text.matchAll(FINAL)) {
    // A result, perhaps with its unit ("12 cm"); not a clause ("12 chairs and 3 tables").
    const words = (m[1] as string).replace(/\\[a-zA-Z]+/g, " ").match(/\p{L}{2,}/gu) ?? [];
    if (words.length <= 1) out.push(m[1] as string);
  }
  return out;
}

/**
 * An {@link AnswerMatcher} built on the verifier's own grammar, for the leakage guard: it finds a
 * gold answer among every number and math expression of a text (inline `$…$`, bare arithmetic
 * like `3^4` or `8 \times 9`, numbers in words, scientific notation, `.5`, Unicode minus signs,
 * thousands separators with commas, spaces, `\,` or `{,}`, `\dfrac`/`\tfrac`/`\frac34`, percents,
 * fractions of `\pi`, intervals written as inequalities), so a lesson that gives the answer
 * away in another form is caught. Generous by design: a false alarm only drops a lesson; a miss
 * leaks the label. Synchronous (never Compute Engine), pure, and cached per (text, answer) in a
 * bounded LRU.
 *
 * @example
 * const matcher = createVerifierAnswerMatcher();
 * matcher.mentions("so we need 8 \\times 9 boxes", "72"); // true
 * matcher.mentions("there are 180 of them", "18"); // false
 * matcher.asserts("Hence the answer is $\\frac{3}{4}$.", "0.75"); // true
 */
export function createVerifierAnswerMatcher(options?: VerifierAnswerMatcherOptions): AnswerMatcher {
  const size = options?.cacheSize;
  const o = { ...DEFAULTS, ...(Number.isInteger(size) && (size as number) >= 0 ? { cacheSize: size } : {}) };
  const golds = new LruCache<string, Gold>(Math.min(o.cacheSize, 1024));
  const verdicts = new LruCache<string, boolean>(o.cacheSize);
  const goldOf = (answer: string): Gold => {
    let g = golds.get(answer);
    if (!g) {
      g = readGold(answer);
      golds.set(answer, g);
    }
    return g;
  };
  const cached = (kind: string, text: string, answer: string, decide: () => boolean): boolean => {
    if (typeof text !== "string" || typeof answer !== "string" || text === "" || answer.trim() === "") return false;
    const key = `${kind}\u0000${answer}\u0000${text}`;
    const hit = verdicts.get(key);
    if (hit !== undefined) return hit;
    let verdict: boolean;
    try {
      verdict = decide();
    } catch {
      // Generous: if a text cannot be read, it may hold the answer.
      verdict = true;
    }
    verdicts.set(key, verdict);
    return verdict;
  };
  return {
    mentions: (text, answer) => cached("m", text, answer, () => mentioned(text, goldOf(answer))),
    asserts: (text, answer) =>
      cached("a", text, answer, () => {
        const gold = goldOf(answer);
        return assertions(asciiMath(text)).some((s) => mentioned(s, gold));
      }),
  };
}
