import type { AnswerMatcher } from "./answer-matcher.js";
import { arithmeticValues, evaluateExpression, writtenNumbers } from "./arithmetic-values.js";
import { type Interval, intervalsIn, sameInterval } from "./intervals.js";
import { normalizeMathText } from "./math-text.js";

/** Options of {@link BuiltinAnswerMatcher}. */
export interface BuiltinAnswerMatcherOptions {
  /** Verdicts kept, per (text, answer); the oldest go first. @default 4096 */
  cacheSize?: number;
}

/** What a gold answer is, read once per answer. */
interface Gold {
  values: number[];
  intervals: Interval[];
  compact: string;
  letter?: string;
}

/**
 * The leakage guard's default {@link AnswerMatcher}: it needs nothing outside `@lanpo/core`.
 * A text mentions a numeric gold answer when any number or computation in it evaluates to it
 * (number words, `3^4`, "8 times 9", `2.5e3`, `.5`, Unicode minus, `1\,000`, `\tfrac34`, `50\%`
 * against 0.5, `\frac{\pi}{3}` and `\pi/3`, a rounding such as `0.333` of 1/3); an interval answer
 * when the text states the same interval in either notation (`(2, 5]`, `2 < x \le 5`); any other
 * answer when its compact spelling occurs in the text; a one-letter choice when it is marked
 * (`(B)`, "answer is B"). `@lanpo/verify`'s `createVerifierAnswerMatcher()` knows more forms.
 *
 * @example new LanpoTrainer({ policy, reward, matcher: new BuiltinAnswerMatcher() }) // the default
 */
export class BuiltinAnswerMatcher implements AnswerMatcher {
  readonly #cacheSize: number;
  readonly #verdicts = new Map<string, boolean>();
  readonly #golds = new Map<string, Gold>();

  constructor(options: BuiltinAnswerMatcherOptions = {}) {
    this.#cacheSize = options.cacheSize ?? 4096;
  }

  mentions(text: string, answer: string): boolean {
    return this.#cached("m", text, answer, () => this.#mentions(normalizeMathText(text), this.#gold(answer)));
  }

  asserts(text: string, answer: string): boolean {
    return this.#cached("a", text, answer, () => {
      const gold = this.#gold(answer);
      return assertedSpans(normalizeMathText(text)).some((span) => this.#mentions(span, gold));
    });
  }

  #mentions(text: string, gold: Gold): boolean {
    if (gold.letter !== undefined) {
      const l = gold.letter;
      return new RegExp(`\\(${l}\\)|\\b(?:answer|choice|option)\\s*(?:is|:)?\\s*\\(?${l}\\b`, "i").test(text);
    }
    if (gold.values.length > 0) {
      const values = arithmeticValues(text);
      if (values.some((v) => gold.values.some((g) => near(v, g)))) return true;
      const rounded = writtenNumbers(text).filter((n) => n.decimals >= 2);
      if (rounded.some((n) => gold.values.some((g) => !Number.isInteger(g) && roundsTo(g, n.value, n.decimals)))) {
        return true;
      }
    }
    if (gold.intervals.length > 0) {
      const stated = intervalsIn(text, evaluateExpression);
      if (gold.intervals.every((g) => stated.some((s) => sameInterval(g, s)))) return true;
    }
    // A numeric or interval answer was judged above; substring tests would take 180 for 18.
    if (gold.values.length > 0 || gold.intervals.length > 0) return false;
    return gold.compact.length > 0 && compact(text).includes(gold.compact);
  }

  #gold(answer: string): Gold {
    let gold = this.#golds.get(answer);
    if (!gold) {
      gold = readGold(answer);
      if (this.#golds.size >= this.#cacheSize) this.#golds.delete(this.#golds.keys().next().value as string);
      this.#golds.set(answer, gold);
    }
    return gold;
  }

  #cached(kind: string, text: string, answer: string, compute: () => boolean): boolean {
    if (!text || typeof answer !== "string" || !answer.trim()) return false;
    const key = `${kind}\u0000${answer}\u0000${text}`;
    const hit = this.#verdicts.get(key);
    if (hit !== undefined) return hit;
    const verdict = compute();
    if (this.#verdicts.size >= this.#cacheSize) this.#verdicts.delete(this.#verdicts.keys().next().value as string);
    this.#verdicts.set(key, verdict);
    return verdict;
  }
}

function readGold(answer: string): Gold {
  let s = normalizeMathText(answer).trim();
  const boxed = /^\\(?:boxed|fbox)\s*\{([\s\S]*)\}$/.exec(s);
  if (boxed?.[1] !== undefined) s = boxed[1].trim();
  s = s
    .replace(/\^\s*\{?\s*\\circ\s*\}?|°|\\circ/g, "")
    .replace(/^[a-z]\s*(?:=|\\in)\s*/i, "")
    .replace(/\s*\.$/, "")
    .trim();
  const letter = /^\(?([A-Ea-e])\)?$/.exec(s)?.[1]?.toUpperCase();
  if (letter !== undefined) return { values: [], intervals: [], compact: "", letter };
  const values: number[] = [];
  const percent = /%\s*$/.test(s);
  // Units after the number ("18 cm", "5 \text{ dollars}") are not part of its value.
  const numericPart = s.replace(/%\s*$/, "").replace(/\s+[A-Za-z][A-Za-z\s.]*$/, "");
  const value = evaluateExpression(numericPart.replace(/\s+/g, " "));
  if (value !== undefined) values.push(value, ...(percent ? [value / 100] : []));
  const intervals = s
    .split(/\\cup|\bor\b|\bU\b/)
    .flatMap((part) => intervalsIn(part, evaluateExpression))
    .slice(0, 8);
  return { values, intervals, compact: compact(s) };
}

function compact(text: string): string {
  return text.replace(/\\boxed\b|\\fbox\b|[\s{}]/g, "").toLowerCase();
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Whether `written` (with `decimals` decimals) is `exact` rounded or cut to that many decimals. */
function roundsTo(exact: number, written: number, decimals: number): boolean {
  return (
    Math.abs(exact - written) <= 10 ** -decimals * 0.5 + 1e-12 ||
    Math.trunc(exact * 10 ** decimals) / 10 ** decimals === written
  );
}

/**
 * The parts of a normalised text that state a result: `\boxed{…}` contents, what follows "answer
 * is", "answer:", "result is", "equals", and what follows the last `=` of each statement.
 */
function assertedSpans(text: string): string[] {
  const spans: string[] = [];
  for (const m of text.matchAll(/\\(?:boxed|fbox)\s*\{/g)) {
    let depth = 1;
    let i = (m.index ?? 0) + m[0].length;
    const start = i;
    while (i < text.length && depth > 0) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}") depth--;
      i++;
    }
    spans.push(text.slice(start, depth === 0 ? i - 1 : i));
  }
  const statements = text.split(/(?<!\d)\.(?!\d)|[\n;!?]/);
  for (const statement of statements) {
    const phrase =
      /\b(?:answer|result|solution|total|value)\s*(?:is|was|will be|should be|must be|:|=)\s*([\s\S]*)$/i.exec(
        statement,
      );
    if (phrase?.[1]) spans.push(phrase[1]);
    const verb = /\b(?:equals|is equal to|comes to|gives|yields|makes)\s+([\s\S]*)$/i.exec(statement);
    if (verb?.[1]) spans.push(verb[1]);
    const eq = statement.lastIndexOf("=");
    if (eq !== -1) spans.push(statement.slice(eq + 1));
  }
  return spans.map((s) => s.trim()).filter((s) => s.length > 0);
}
