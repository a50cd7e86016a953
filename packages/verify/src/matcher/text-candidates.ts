import { splitTopLevel } from "../answer-value.js";
import { mathSegments } from "../math-segments.js";
import { numberWordRuns } from "../number-words.js";

/** Texts longer than this are scanned in their first and last halves of it (lessons are short). */
const MAX_TEXT_CHARS = 100_000;
/** Candidates kept per text; a text that has more is mostly numbers, and all of them are kept up to this. */
const MAX_CANDIDATES = 20_000;

/** Unicode minus signs and dashes, full-width forms and operator look-alikes, as ASCII/LaTeX. */
export function asciiMath(text: string): string {
  return text
    .replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 48))
    .replace(/[\u2212\u2010\u2011\u2012\u2013\u2014\uFE63\uFF0D]/g, "-")
    .replace(/\uFF0B/g, "+")
    .replace(/[×✕✖⨯]/g, "\\times ")
    .replace(/[·⋅∙]/g, "\\cdot ")
    .replace(/÷/g, "\\div ")
    .replace(/[⁄∕／]/g, "/")
    .replace(/π|(?<![A-Za-z\\])pi(?![A-Za-z])/g, "\\pi ")
    .replace(/√/g, "\\sqrt")
    .replace(/²/g, "^2")
    .replace(/³/g, "^3")
    .replace(/[\u00a0\u2007\u2009\u202f]/g, " ")
    .replace(/[，]/g, ",")
    .replace(/[．]/g, ".");
}

/** "8 times 9", "two plus three", "5 squared": word operators between numbers become symbols. */
function wordOperators(text: string): string {
  return text
    .replace(/(?<=\d)\s+(?:times|multiplied\s+by)\s+(?=[-\d(])/gi, " \\times ")
    .replace(/(?<=\d)\s+x\s+(?=\d)/g, " \\times ")
    .replace(/(?<=\d)\s+plus\s+(?=[-\d(])/gi, " + ")
    .replace(/(?<=\d)\s+minus\s+(?=[-\d(])/gi, " - ")
    .replace(/(?<=\d)\s+(?:divided\s+by|over)\s+(?=[-\d(])/gi, " / ")
    .replace(/(?<=\d)\s+to\s+the\s+power\s+of\s+(?=[-\d(])/gi, "^")
    .replace(/(?<=\d)\s+squared\b/gi, "^2")
    .replace(/(?<=\d)\s+cubed\b/gi, "^3")
    .replace(/(?<=\d)\s*(?:per\s*cent|percent)\b/gi, "%");
}

/** Number words replaced by their digits ("one hundred and five" → "105"). */
function digitsForWords(text: string): string {
  const runs = numberWordRuns(text);
  let out = text;
  for (let i = runs.length - 1; i >= 0; i--) {
    const r = runs[i] as { start: number; end: number; value: number };
    out = `${out.slice(0, r.start)}${r.value}${out.slice(r.end)}`;
  }
  return out;
}

/**
 * A stretch of text that reads as arithmetic: numbers, operators, brackets and the LaTeX
 * commands of numbers (`\frac`, `\sqrt`, `\pi`, `\times`, `\cdot`, `^`), and, when `letters`,
 * single-letter symbols too (for answers that are expressions or relations).
 */
const ARITHMETIC_RUN =
  /(?:\\(?:[dtc]?frac|sqrt|pi|times|cdot|div|left|right|infty|le|ge|leq|geq|lt|gt|pm|circ|%|,|!|\{|\})|[0-9.,+\-*/^_(){}[\]%=<>≤≥ ]|\{,\}|(?<=\d)[eE](?=[-+]?\d))+/g;
const EXPRESSION_RUN = /(?:\\(?:[a-zA-Z]+|%|,|!|\{|\})|[A-Za-z0-9.+\-*/^_(){}[\]%=<>≤≥,:|' ])+/g;
const RELATION_SPLIT = /\\(?:le|ge|leq|geq|lt|gt|ne|neq|approx)(?![a-zA-Z])|[=<>≤≥≈]/;

function pieces(run: string): string[] {
  const out: string[] = [];
  const whole = run.trim().replace(/^(?:[+*/^=,\s]|\.(?!\d))+|[+\-*/^=,.(\s]+$/g, "");
  if (whole === "") return out;
  out.push(whole);
  // Sides of relations (`3 + 4 = 7`), items of lists (`2, 3`), terms of sums.
  for (const side of whole.split(RELATION_SPLIT)) {
    const s = side.trim();
    if (s !== "" && s !== whole) out.push(s);
    for (const item of splitTopLevel(s, ",;")) if (item !== "" && item !== s) out.push(item);
    const terms = s.split(/(?<=[^\\{(^_+\-*/\s])\s*(?=[+-])/);
    if (terms.length > 1) for (const t of terms) out.push(t.replace(/^\+/, "").trim());
  }
  // Every number on its own, and grouped thousands read both ways.
  for (const m of whole.matchAll(/-?(?:\d{1,3}(?:(?:,|\{,\}|\\,| )\d{3})+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+)%?/g))
    out.push(m[0]);
  return out;
}

/**
 * Every number and math expression of a text, as strings the verifier can read: the content of
 * each math span and its parts, each arithmetic run outside math (`3^4`, `8 \times 9`) and its
 * parts, numbers written in words, and every single number. With `letters`, runs may hold
 * one-letter symbols (`2 \le x < 5`, `x^2 + 1`). Order is not meaningful.
 */
export function textCandidates(text: string, letters: boolean): string[] {
  let t =
    text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS / 2)} ${text.slice(-MAX_TEXT_CHARS / 2)}` : text;
  t = wordOperators(digitsForWords(asciiMath(t)));
  const out = new Set<string>();
  const add = (s: string) => {
    if (out.size < MAX_CANDIDATES) out.add(s);
  };
  for (const seg of mathSegments(t)) {
    add(seg.content.trim());
    for (const p of pieces(seg.content)) add(p);
  }
  const plain = t.replace(/\$|\\\(|\\\)|\\\[|\\\]/g, " ");
  for (const m of plain.matchAll(letters ? EXPRESSION_RUN : ARITHMETIC_RUN)) {
    if (!/[0-9]|\\pi|\\infty|[A-Za-z]/.test(m[0])) continue;
    // Prose words are not symbols: split an expression run at words of two or more letters.
    const parts = letters ? m[0].split(/(?<![\\A-Za-z])[A-Za-z]{2,}(?![A-Za-z])/) : [m[0]];
    for (const part of parts) for (const p of pieces(part)) add(p);
  }
  return [...out];
}
