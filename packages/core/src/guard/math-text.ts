import { DENOMINATOR_WORDS, SCALE_WORDS, UNIT_WORDS } from "../util/number-word-tables.js";

/**
 * Rewrites a text so every way of writing a number or a simple computation that the leakage guard
 * knows comes out in one ASCII form: `−3` (Unicode minus) as `-3`, `3²` as `3^2`, `1\,000` and
 * `1{,}000` as `1000`, `\dfrac34` as `\frac{3}{4}`, "one hundred and five" as `105`, "8 times 9"
 * as `8 * 9`, `50\%` as `50%`. Meaning is kept; only spelling changes.
 */
export function normalizeMathText(text: string): string {
  let s = text.replace(/[²³¹⁰⁴⁵⁶⁷⁸⁹]+/g, (sup) => `^${[...sup].map((c) => SUPERSCRIPTS[c]).join("")}`);
  s = s
    .normalize("NFKC")
    .replace(/[\u2212\u2010\u2011\u2012\u2013\u2014\u2015\ufe63\uff0d]/g, "-")
    .replace(/[×·⋅∗✕✖]/g, "*")
    .replace(/[÷∕⁄]/g, "/")
    .replace(/π/g, "\\pi ")
    .replace(/√/g, "\\sqrt ")
    .replace(/≤|⩽/g, "\\le ")
    .replace(/≥|⩾/g, "\\ge ")
    .replace(/∞/g, "\\infty ")
    .replace(/[\u00a0\u2000-\u200b\u202f\u205f\u3000]/g, " ");
  s = s
    .replace(/\$+/g, " ")
    .replace(/\\(?:left|right|big|Big|bigg|Bigg)\b/g, "")
    .replace(/\\[dt]frac(?![a-zA-Z])/g, "\\frac")
    .replace(/\\(?:cdot|times|ast)(?![a-zA-Z])/g, "*")
    .replace(/\\div(?![a-zA-Z])/g, "/")
    .replace(/\\%/g, "%")
    .replace(/\\(?:leq?|leqslant)\b/g, "\\le ")
    .replace(/\\(?:geq?|geqslant)\b/g, "\\ge ")
    .replace(/\\(?:lt)\b/g, "<")
    .replace(/\\(?:gt)\b/g, ">")
    .replace(/\\text\s*\{\s*([^{}]*)\}/g, " $1 ")
    // Thousands separators: LaTeX spacing or a comma between digit groups, then plain spacing.
    .replace(/(\d)(?:\\,|\\;|\\:|\\!|\{,\}|\\ |~| )(?=\d{3}(?!\d))/g, "$1")
    .replace(/(\d),(?=\d{3}(?!\d))/g, "$1")
    .replace(/\\[,;:! ]|~/g, " ")
    .replace(/\\q?quad\b/g, " ");
  // Brace-less fraction arguments: \frac34, \frac3{4}, \frac{3}4.
  s = s.replace(/\\frac\s*(\d|\{[^{}]*\})\s*(\d|\{[^{}]*\})/g, (_m, a: string, b: string) => {
    const wrap = (x: string) => (x.startsWith("{") ? x : `{${x}}`);
    return `\\frac${wrap(a)}${wrap(b)}`;
  });
  s = s.replace(/\\sqrt\s*(\d)/g, "\\sqrt{$1}");
  return wordsToSymbols(s);
}

const SUPERSCRIPTS: Record<string, string> = {
  "⁰": "0",
  "¹": "1",
  "²": "2",
  "³": "3",
  "⁴": "4",
  "⁵": "5",
  "⁶": "6",
  "⁷": "7",
  "⁸": "8",
  "⁹": "9",
};

const OPERATOR_WORDS: Array<[RegExp, string]> = [
  [/\b(?:multiplied\s+by|times)\b/gi, " * "],
  [/\bdivided\s+by\b/gi, " / "],
  [/\bover\b(?=\s*[\d(])/gi, " / "],
  [/\bplus\b/gi, " + "],
  [/\bminus\b/gi, " - "],
  [/\bnegative\s+(?=\d)/gi, "-"],
  [/\b(?:raised\s+)?to\s+the\s+(?:power\s+of|power)\b/gi, " ^ "],
  [/\bsquared\b/gi, " ^ 2 "],
  [/\bcubed\b/gi, " ^ 3 "],
  [/\b(?:the\s+)?square\s+root\s+of\s+(?=\d)/gi, " \\sqrt "],
  [/\s*\bper\s*cent\b|\s*\bpercent\b/gi, "%"],
];

const NUMBER_WORD = new RegExp(
  `\\b(?:(?:${[...Object.keys(UNIT_WORDS), ...Object.keys(SCALE_WORDS)].join("|")})(?:[\\s-]+(?:and[\\s-]+)?)?)+\\b`,
  "gi",
);

/** Number words become digits, then arithmetic words become operators. */
function wordsToSymbols(text: string): string {
  let s = text.replace(NUMBER_WORD, (phrase) => {
    const value = parseNumberWords(phrase);
    if (value === undefined) return phrase;
    const trailing = /[\s-]+(?:and[\s-]+)?$/i.exec(phrase)?.[0] ?? "";
    return `${value}${trailing.replace(/-/g, " ")}`;
  });
  // "three quarters", "2 thirds": a numerator then a denominator word.
  s = s.replace(
    new RegExp(`\\b(\\d+)[\\s-]+(${Object.keys(DENOMINATOR_WORDS).join("|")})\\b`, "gi"),
    (m, n: string, d: string) => {
      const den = DENOMINATOR_WORDS[d.toLowerCase()];
      return den === undefined ? m : `${n}/${den}`;
    },
  );
  for (const [pattern, symbol] of OPERATOR_WORDS) s = s.replace(pattern, symbol);
  return s;
}

function parseNumberWords(phrase: string): number | undefined {
  const words = phrase
    .toLowerCase()
    .split(/[\s-]+/)
    .filter((w) => w !== "" && w !== "and");
  if (words.length === 0) return undefined;
  let total = 0;
  let current = 0;
  let seen = false;
  for (const word of words) {
    const unit = UNIT_WORDS[word];
    const scale = SCALE_WORDS[word];
    if (unit !== undefined) {
      // "twenty one" composes; "one and two" or "seventeen three" are two numbers, not a sum.
      const low = current % 100;
      if (low !== 0 && (unit >= 10 || low < 20 || low % 10 !== 0)) return undefined;
      current += unit;
      seen = true;
    } else if (scale !== undefined) {
      if (scale === 100) current = (current || 1) * 100;
      else {
        total += (current || 1) * scale;
        current = 0;
      }
      seen = true;
    } else return undefined;
  }
  return seen ? total + current : undefined;
}
