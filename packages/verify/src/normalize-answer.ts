/** A final answer after normalisation, with what was stripped that still matters. */
export interface NormalizedAnswer {
  /** Canonical LaTeX-ish text: no delimiters, spacing, units or `\text{}` wrappers. */
  text: string;
  /** A percent sign or word was removed (28\% may then also match 0.28). */
  percent: boolean;
  /** A final angle's degree sign was removed (`60^\circ` is 60, and may then also match `\frac{\pi}{3}`). */
  degrees: boolean;
}

/** Words that are units (dropped after a number), matched whole and case-insensitively. */
const UNIT_WORDS =
  "(?:square|sq|cubic|units?|cm|mm|km|m(?=\\s*\\^)|meters?|metres?|centimeters?|kilometers?|miles?|inch(?:es)?|feet|foot|ft|yards?|kg|grams?|pounds?|lbs?|ounces?|oz|liters?|litres?|ml|hours?|hrs?|minutes?|mins?|seconds?|secs?|days?|weeks?|months?|years?|dollars?|cents?|yuan|euros?|rupees?|mph|degrees?|deg|radians?|rad|people|persons?|students?|times|ways|points?)";
const TRAILING_UNITS = new RegExp(`([\\d})])\\s*(?:${UNIT_WORDS}\\b\\s*(?:\\^\\s*\\{?[23]\\}?|[²³])?\\s*)+$`, "i");
const SEPARATOR_WORDS = /^\s*(?:and|or|,)\s*$/i;
/** A unit's own power or index may be braced inside (`\mathrm{m^{3}}`). */
const TEXT_COMMANDS =
  /\\(?:text|textbf|textit|textnormal|textrm|textsf|texttt|mbox|mathrm|mathit|mathbf|mathsf|mathtt|operatorname|hbox)\s*\{((?:[^{}]|[_^]\{[^{}]*\})*)\}/g;
/** The same, with a unit's power after it (`\text{ cm}^2`). */
const TEXT_WITH_POWER = new RegExp(`${TEXT_COMMANDS.source}(?:\\s*\\^\\s*\\{?\\s*[23]\\s*\\}?)?`, "g");
const KNOWN_FUNCTIONS = /^(?:sin|cos|tan|sec|csc|cot|ln|log|exp|arcsin|arccos|arctan|sinh|cosh|tanh)$/;

const REPEATING = /(?<!\d)(\d*)\.(\d*)\\(?:overline|bar)\{(\d+)\}/g;

/** 0.1\overline{6} = 1/6: digits that repeat forever become an exact fraction. */
function repeatingToFraction(_m: string, whole: string, fixed: string, repeat: string): string {
  const den = 10 ** fixed.length * (10 ** repeat.length - 1);
  const num = Number(fixed + repeat) - Number(fixed || "0");
  return `(${Number(whole || "0")}+\\frac{${num}}{${den}})`;
}

// The degree sign as models also write it: inside \text{} or \mathrm{}, or raised as ^{°}.
const DEGREE =
  /(?:\^\s*)?\\(?:text|mathrm|textrm)\s*\{\s*°\s*\}|\^\s*\{\s*°\s*\}|\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![a-zA-Z])|\\circ(?![a-zA-Z])|°|\\degree(?![a-zA-Z])/g;

/** A final angle (`90^\circ`) is its number; inside an expression (`\sin 30^\circ`) it is radians. */
function convertDegrees(s: string): { text: string; degrees: boolean } {
  const parts = s.split(DEGREE);
  if (parts.length === 1) return { text: s, degrees: false };
  const [before = "", after = ""] = parts;
  const plainAngle = !/\\(?:sin|cos|tan|sec|csc|cot)/.test(before);
  if (parts.length === 2 && plainAngle && after.trim().replace(/[.,;\s$]/g, "") === "")
    return { text: before, degrees: true };
  return { text: s.replace(DEGREE, "{\\frac{\\pi}{180}}"), degrees: false };
}

function replaceAll(s: string, pairs: ReadonlyArray<[RegExp, string]>): string {
  let out = s;
  for (const [re, to] of pairs) out = out.replace(re, to);
  return out;
}

const SIMPLE_REWRITES: ReadonlyArray<[RegExp, string]> = [
  // `16,\!386.20`: a comma with a negative thin space only ever groups thousands.
  [/(\d),\s*\\!\s*(?=\d{3})/g, "$1"],
  [/\\!/g, ""],
  [/\\\$/g, " "],
  [/\$/g, " "],
  [/\\\(|\\\)|\\\[|\\\]/g, " "],
  [/\\(?:left|right)\s*\.?(?![a-zA-Z])/g, ""],
  [/\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big|bigg|Bigg)(?![a-zA-Z])/g, ""],
  [/\\(?:displaystyle|textstyle|scriptstyle|limits|nolimits)(?![a-zA-Z])/g, ""],
  [/\\(?:lvert|rvert|vert|mid)(?![a-zA-Z])|\\\||∣/g, "|"],
  [/\\(?:lbrace)(?![a-zA-Z])/g, "\\{"],
  [/\\(?:rbrace)(?![a-zA-Z])/g, "\\}"],
  // A ratio written `2 \colon 3` is `2:3` (and Compute Engine's first parse of \colon took 0.5 s).
  [/\s*\\colon(?![a-zA-Z])\s*/g, ":"],
  [/\\langle(?![a-zA-Z])/g, "("],
  [/\\rangle(?![a-zA-Z])/g, ")"],
  // `(1, 2, 3)^T`: a vector written as a row and transposed is the same tuple of entries.
  [
    /(\((?:[^()]|\([^()]*\))*,(?:[^()]|\([^()]*\))*\))\s*\^\s*(?:\{\s*(?:T|\\top)\s*\}|T(?![A-Za-z])|\\top(?![a-zA-Z]))/g,
    "$1",
  ],
  [/\\[dtc]frac(?![a-zA-Z])/g, "\\frac"],
  // TeX's `{3 \over 4}` is `\frac{3}{4}` (the group it stands in is the fraction).
  [/\{([^{}]*)\\over(?![a-zA-Z])([^{}]*)\}/g, "\\frac{$1}{$2}"],
  [/^([^{}]*)\\over(?![a-zA-Z])([^{}]*)$/, "\\frac{$1}{$2}"],
  [/\\[dt]binom(?![a-zA-Z])/g, "\\binom"],
  [/\\(?:mathrm|text|operatorname)\s*\{\s*e\s*\}/g, "e"],
  [/\\operatorname\s*\{\s*([a-z]+)\s*\}/g, "\\$1"],
  // Ordinals: 5^{\text{th}}, 5\text{th}.
  [/(\d)\s*\^?\s*\{?\s*\\(?:text|mathrm|textrm)\s*\{\s*(?:st|nd|rd|th)\s*\}\s*\}?/g, "$1"],
  [/(?<!\\)\binfinity\b/gi, "\\infty "],
  [/\\(?:quad|qquad|hfill)(?![a-zA-Z])/g, " "],
  [/\\hspace\*?\s*\{[^{}]*\}/g, " "],
  [/(?<!\\)\\[,;:! ]|~/g, " "],
  [/[€£¥₹₽₩]/g, " "],
  [/\\(?:geq|geqslant|ge)(?![a-zA-Z])|>=|≥/g, "≥"],
  [/\\(?:leq|leqslant|le)(?![a-zA-Z])|<=|≤/g, "≤"],
  [/\\(?:neq|ne)(?![a-zA-Z])|!=|≠/g, "≠"],
  [/\\gt(?![a-zA-Z])/g, ">"],
  [/\\lt(?![a-zA-Z])/g, "<"],
  [/\\(?:approx|simeq|thickapprox)(?![a-zA-Z])|≈/g, "≈"],
  [/\\in(?![a-zA-Z])|∈/g, "∈"],
  [/\\cup(?![a-zA-Z])|∪/g, "∪"],
  [/\\(?:setminus|smallsetminus|backslash)(?![a-zA-Z])|∖/g, "∖"],
  [/\\(?:pm|mp)(?![a-zA-Z])|±|∓/g, "±"],
  [/\\(?:emptyset|varnothing)(?![a-zA-Z])|∅/g, "∅"],
  [/\\mathbb\s*\{?\s*R\s*\}?/g, "(-\\infty,\\infty)"],
  [/\b(?:all|every)\s+real\s+numbers?\b/gi, "(-\\infty,\\infty)"],
  // `\mathbb{R} - \{2\}`: a minus between a set of reals and braces is a set difference.
  [/([)\]])\s*-\s*(?=\\\{)/g, "$1∖"],
  [/∞/g, "\\infty "],
  [/π/g, "\\pi "],
  [/√/g, "\\sqrt"],
  [/[×·]/g, "*"],
  [/[−–]/g, "-"],
  [/²/g, "^2"],
  [/³/g, "^3"],
  [/\\(?:dots|ldots|cdots)(?![a-zA-Z])/g, "…"],
];

/** `\text{…}` contents: separators become commas; other words are units unless nothing else is left. */
function unwrapText(s: string): string {
  const withWords = s.replace(TEXT_COMMANDS, (_m, inner: string) => ` ${inner} `);
  const withoutWords = s.replace(TEXT_WITH_POWER, (m, inner: string) => {
    if (SEPARATOR_WORDS.test(inner)) return ",";
    if (KNOWN_FUNCTIONS.test(inner.trim())) return m.replace(TEXT_COMMANDS, `\\${inner.trim()} `);
    // A digit only in an exponent belongs to a unit (`\mathrm{m/s^2}`), not to a value.
    return /[0-9]/.test(inner.replace(/\^\s*\{?\s*-?\d+\s*\}?/g, ""))
      ? ` ${inner.replace(/\b[A-Za-z]{2,}\b/g, " ")} `
      : " ";
  });
  return /[0-9]/.test(withoutWords.replace(TEXT_COMMANDS, "")) ? withoutWords : withWords;
}

function stripPercent(s: string): { text: string; percent: boolean } {
  const re = /\\%|%|\s*\b(?:percent(?:age)?|pct)\b/gi;
  const text = s.replace(re, " ");
  return { text, percent: text !== s };
}

/** Where an answer was written, which decides how its commas and dots read. */
export interface NumberContext {
  /** From prose rather than LaTeX: `2,74` is a decimal comma there (in LaTeX `1,2` is a list). @default false */
  plainText?: boolean;
  /** In a language that writes decimal commas: `2,5` is 2.5 and `1.000` is 1000. @default false */
  decimalComma?: boolean;
}

/**
 * `1{,}000` groups thousands, as English LaTeX writes them; `3{,}75` (not three digits after it)
 * and any `{,}` in a decimal-comma language is a decimal comma.
 */
function braceComma(s: string, decimalComma: boolean): string {
  return s
    .replace(/(\d)\s*\{\s*,\s*\}\s*(\d+)/g, (_m, a: string, b: string) =>
      !decimalComma && b.length === 3 ? `${a}${b}` : `${a}.${b}`,
    )
    .replace(/\{\s*,\s*\}/g, "");
}

/**
 * Normalises one extracted answer. `context` (or `true` for `{ plainText: true }`) says where it
 * was written: in prose `2,74` is a decimal comma (in LaTeX `1,2` is a list), and in a
 * decimal-comma language `1.000` is a thousand.
 */
export function normalizeAnswer(answer: string, context: boolean | NumberContext = false): NormalizedAnswer {
  const plainText = typeof context === "boolean" ? context : context.plainText === true;
  const decimalComma = typeof context === "object" && context.decimalComma === true;
  let s = braceComma(answer, decimalComma);
  s = replaceAll(s, SIMPLE_REWRITES);
  const angle = convertDegrees(s);
  s = angle.text;
  // Nested \text{\textbf{...}} unwraps in a second pass.
  s = unwrapText(unwrapText(s));
  const p = stripPercent(s);
  s = p.text;
  s = s.replace(/\s+/g, " ").trim();
  // Part labels of a multi-part answer: "(i) 5, (ii) 7", "(a) 3; (b) 4".
  s = s.replace(/(^|[,;]\s*)\((?:i{1,3}|iv|vi{0,3}|[a-h])\)\s+(?=\S)/g, "$1");
  // Glued separators from flattened text: "1orW(x)=-1", "(11,7)or(7,11)".
  s = s.replace(/(?<=[\d)\]}])(?:and|or)(?=[A-Za-z0-9(\\[{-])/g, ",");
  s = s.replace(/\s+(?:and|or)\s+/gi, ",");
  s = s.replace(/^(?:and|or)\s+/i, "");
  s = s.replace(TRAILING_UNITS, "$1").trim();
  // In prose a number followed by words is a quantity with its unit ("3,5 metros", "12 m"),
  // and a comma in it is a decimal comma unless it groups thousands.
  const quantity = plainText ? /^([-+]?\d[\d.,]*)\s*[\p{L}€£¥$][\p{L}\s.²³/€£¥$]*$/u.exec(s) : null;
  if (quantity) {
    const n = quantity[1] as string;
    s = /^[-+]?\d+,\d{1,2}$|^[-+]?\d+,\d{4,}$/.test(n) ? n.replace(",", ".") : n;
  }
  // "0.333...", "0.1666\ldots": a last digit group repeated before an ellipsis repeats forever.
  s = s.replace(
    /(?<![\d.])(\d*)\.(\d*?)(\d{1,3}?)\3+\s*(?:\.{3}|…)/g,
    (_m, whole: string, fixed: string, repeat: string) => `${whole}.${fixed}\\overline{${repeat}}`,
  );
  // "3.14159...": a decimal cut short; the digits written are the value.
  s = s.replace(/(\d)\s*(?:\.{3}|…)/g, "$1");
  // "≈ 3.14" and "= 5" left by a label dropped as a unit word (`\mathbf{v} = …`, `\text{Area} = 5`).
  s = s.replace(/^\s*(?:≈|=(?!=))\s*/, "");
  s = s.replace(/^(?:[\s,;:]|\.(?!\d))+|[\s.,;:]+$/g, "");
  s = s.replace(/,\s*,/g, ",");
  // In a decimal-comma language 1.000 and 1.234,5 group thousands with dots and 2,5 is a
  // decimal (a `{,}` was already made the decimal point: 1{,}500 is 1.5).
  if (decimalComma && !/\{\s*,\s*\}/.test(answer)) {
    if (/^[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$/.test(s)) s = s.replace(/\./g, "").replace(",", ".");
    else if (/^[-+]?\d+,\d+$/.test(s)) s = s.replace(",", ".");
    // "x = 1,5": inside an answer without brackets too (a tuple's comma stays).
    else if (!/[([{]/.test(s)) s = s.replace(/(\d),(\d)/g, "$1.$2");
  }
  // Spaces and, as in Switzerland, apostrophes group thousands: 1 000, 1'000.
  if (/^[-+]?\d{1,3}(?:[ '’]\d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/[ '’]/g, "");
  // Two or more dots between groups of three digits only ever group thousands (1.000.000).
  if (/^[-+]?\d{1,3}(?:\.\d{3}){2,}$/.test(s)) s = s.replace(/\./g, "");
  // European grouping in prose: 1 234,5 and 1.234,5.
  if (plainText && /^[-+]?\d{1,3}(?:[ .]\d{3})+,\d+$/.test(s)) s = s.replace(/[ .]/g, "").replace(",", ".");
  // Thousands separators: only when the whole answer is one grouped number.
  if (/^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(s) && !/^[-+]?0,/.test(s)) s = s.replace(/,/g, "");
  else if (plainText && /^[-+]?\d+,\d+$/.test(s)) {
    const [intPart = "", frac = ""] = s.split(",");
    if (frac.length !== 3 || /^[-+]?0$/.test(intPart)) {
      if (intPart.replace(/^[-+]/, "").length > 1 || frac.length > 1 || /^[-+]?0$/.test(intPart))
        s = `${intPart}.${frac}`;
    }
  }
  s = s.replace(/\s*([=<>≤≥≠≈∈∪,;:])\s*/g, "$1");
  if (/^[-+]?\d+(?:\.\d+)?[eE][-+]?\d+$/.test(s)) s = String(Number(s));
  s = s.replace(REPEATING, repeatingToFraction);
  // "1 1/2" typed as text is a mixed number too: written as 1\frac{1}{2}, the rule below reads it.
  s = s.replace(
    /^([-+]?)(\d+) (\d+)\/(\d+)$/,
    (_m, sign: string, w: string, n: string, d: string) => `${sign === "-" ? "-" : ""}${w}\\frac{${n}}{${d}}`,
  );
  // Mixed numbers: 2\frac{1}{2} is 2 + 1/2 (only with numeric parts, so 2\frac{x}{3} stays a product).
  s = s.replace(
    /(?<![\d.}^_{])(-?)(\d+)\s*\\frac\{(\d+)\}\{(\d+)\}/g,
    (_m, sign: string, w: string, n: string, d: string) =>
      sign ? `-(${w}+\\frac{${n}}{${d}})` : `(${w}+\\frac{${n}}{${d}})`,
  );
  return { text: s, percent: p.percent, degrees: angle.degrees };
}
