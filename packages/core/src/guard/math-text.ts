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

const UNITS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fourty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const SCALES: Record<string, number> = { hundred: 100, thousand: 1e3, million: 1e6, billion: 1e9, trillion: 1e12 };
const DENOMINATORS: Record<string, number> = {
  half: 2,
  halves: 2,
  third: 3,
  thirds: 3,
  quarter: 4,
  quarters: 4,
  fourth: 4,
  fourths: 4,
  fifth: 5,
  fifths: 5,
  sixth: 6,
  sixths: 6,
  seventh: 7,
  sevenths: 7,
  eighth: 8,
  eighths: 8,
  ninth: 9,
  ninths: 9,
  tenth: 10,
  tenths: 10,
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
  `\\b(?:(?:${[...Object.keys(UNITS), ...Object.keys(SCALES)].join("|")})(?:[\\s-]+(?:and[\\s-]+)?)?)+\\b`,
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
    new RegExp(`\\b(\\d+)[\\s-]+(${Object.keys(DENOMINATORS).join("|")})\\b`, "gi"),
    (m, n: string, d: string) => {
      const den = DENOMINATORS[d.toLowerCase()];
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
    const unit = UNITS[word];
    const scale = SCALES[word];
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
