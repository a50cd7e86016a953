/**
 * Whether a text mentions a given answer, as the leakage guard needs it: generous (a false alarm
 * only drops one lesson; a miss leaks the label), and cheap enough to run on every context part.
 */

const NUMBER = /(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])/g;
const FRACTION =
  /\\[dt]?frac\s*\{\s*(-?\d+(?:\.\d+)?)\s*\}\s*\{\s*(-?\d+(?:\.\d+)?)\s*\}|(?<![\w.])(-?\d+)\s*\/\s*(\d+)(?![\w.])/g;

function stripWrappers(answer: string): string {
  let s = answer.trim();
  const boxed = /^\\(?:boxed|fbox)\s*\{([\s\S]*)\}$/.exec(s);
  if (boxed?.[1] !== undefined) s = boxed[1];
  return s
    .replace(/^\$+|\$+$/g, "")
    .replace(/\\text\s*\{([^}]*)\}/g, "$1")
    .replace(/\\left|\\right|\\!|\\,|\\;|\\ /g, "")
    .replace(/\\[dt]frac/g, "\\frac")
    .replace(/\^\s*\{?\\circ\}?|°/g, "")
    .replace(/\.$/, "")
    .trim();
}

/** The numeric value of an answer that is a plain number or a simple fraction, else undefined. */
export function numericValue(answer: string): number | undefined {
  const s = stripWrappers(answer).replace(/\s+/g, "");
  if (/^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$/.test(s)) return Number(s.replace(/[,%]/g, ""));
  const frac = /^(-?)\\frac\{(-?\d+(?:\.\d+)?)\}\{(-?\d+(?:\.\d+)?)\}$/.exec(s) ?? /^(-?)(\d+)\/(\d+)$/.exec(s);
  if (frac) {
    const value = Number(frac[2]) / Number(frac[3]);
    if (Number.isFinite(value)) return frac[1] === "-" ? -value : value;
  }
  return undefined;
}

function numbersIn(text: string): number[] {
  const values: number[] = [];
  for (const m of text.matchAll(FRACTION)) {
    const [num, den] = m[1] !== undefined ? [m[1], m[2]] : [m[3], m[4]];
    const value = Number(num) / Number(den);
    if (Number.isFinite(value)) values.push(value);
  }
  for (const m of text.matchAll(NUMBER)) values.push(Number(m[0].replace(/,/g, "")));
  return values;
}

function sameNumber(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function compact(text: string): string {
  return stripWrappers(text).replace(/\s+/g, "").toLowerCase();
}

/**
 * Whether `text` mentions `answer`: numerically for numbers and simple fractions (`18`, `18.0`,
 * `18,000` against 18000 and `\frac{3}{4}` against 0.75 match; `180` does not match 18), as a compact
 * substring for other answers, and as a marked choice (`(B)`, `answer is B`) for a one-letter answer.
 */
export function mentionsAnswer(text: string, answer: string): boolean {
  if (!text || !answer.trim()) return false;
  const value = numericValue(answer);
  if (value !== undefined) return numbersIn(text).some((n) => sameNumber(n, value));
  const gold = compact(answer);
  if (gold.length === 0) return false;
  if (/^[a-z]$/i.test(gold)) {
    const letter = gold.toUpperCase();
    return new RegExp(`\\(${letter}\\)|\\b(?:answer|choice|option)\\s*(?:is|:)?\\s*\\(?${letter}\\b`, "i").test(text);
  }
  return compact(text).includes(gold);
}
