// The Universal Sentence Encoder was trained on natural English; LaTeX reaches it as a stream of
// backslashes, braces and letter fragments that mean nothing to it and cost tokens (time). Rewriting
// the notation into the words a person would read aloud keeps the topic signal ("fraction", "sine",
// "binomial coefficient") and drops the noise. The table is general mathematical vocabulary.

import { stripAnswerFormat } from "./strip-answer-format.js";

const COMMAND_WORDS: Readonly<Record<string, string>> = {
  frac: "fraction",
  dfrac: "fraction",
  tfrac: "fraction",
  sqrt: "square root",
  sin: "sine",
  cos: "cosine",
  tan: "tangent",
  cot: "cotangent",
  sec: "secant",
  csc: "cosecant",
  arcsin: "arcsine",
  arccos: "arccosine",
  arctan: "arctangent",
  log: "logarithm",
  ln: "natural logarithm",
  exp: "exponential",
  pi: "pi",
  theta: "theta",
  alpha: "alpha",
  beta: "beta",
  gamma: "gamma",
  omega: "omega",
  lambda: "lambda",
  angle: "angle",
  triangle: "triangle",
  circ: "degrees",
  degree: "degrees",
  perp: "perpendicular",
  parallel: "parallel",
  cong: "congruent",
  sim: "similar",
  overline: "segment",
  overarc: "arc",
  binom: "binomial coefficient",
  choose: "choose",
  sum: "sum",
  prod: "product",
  int: "integral",
  lim: "limit",
  infty: "infinity",
  le: "less than or equal",
  leq: "less than or equal",
  ge: "greater than or equal",
  geq: "greater than or equal",
  ne: "not equal",
  neq: "not equal",
  approx: "approximately",
  cdot: "times",
  times: "times",
  div: "divided by",
  pm: "plus or minus",
  mp: "minus or plus",
  pmod: "modulo",
  bmod: "modulo",
  mod: "modulo",
  equiv: "congruent modulo",
  lfloor: "floor",
  lceil: "ceiling",
  gcd: "greatest common divisor",
  lcm: "least common multiple",
  det: "determinant",
  vec: "vector",
  mathbf: "vector",
  cup: "union",
  cap: "intersection",
  subset: "subset",
  subseteq: "subset",
  in: "in",
  emptyset: "empty set",
  mathbb: "",
  cdots: "",
  ldots: "",
  dots: "",
  "%": "percent",
  $: "dollars",
};

const ENVIRONMENT_WORDS: Readonly<Record<string, string>> = {
  pmatrix: "matrix",
  bmatrix: "matrix",
  matrix: "matrix",
  vmatrix: "determinant",
  cases: "piecewise",
  align: "",
  "align*": "",
  array: "",
};

const MAX_NUMBER_LENGTH = 4;

/**
 * Rewrites LaTeX-laden text into plain English words for a sentence encoder: `\frac{a}{b}` becomes
 * "fraction a b", `\sin x` becomes "sine x", `^2` "squared", `n!` "n factorial"; `$` and braces go;
 * Asymptote drawings collapse to "diagram"; numbers longer than four digits become "number", since
 * their digits carry no topic and spend tokens.
 */
export function latexToWords(text: string): string {
  let out = text.replace(/\[asy\][\s\S]*?\[\/asy\]/g, " diagram ");
  out = out.replace(/\\[[\]()]/g, " ");
  out = out.replace(/\\begin\{([a-z*]+)\}/g, (_, env: string) => ` ${ENVIRONMENT_WORDS[env] ?? ""} `);
  out = out.replace(/\\end\{[a-z*]+\}/g, " ");
  out = out.replace(/\\operatorname\{([a-zA-Z]+)\}/g, (_, name: string) => ` \\${name} `);
  out = out.replace(
    /\\text(?:bf|it|rm)?\{([^{}]*)\}|\\mbox\{([^{}]*)\}/g,
    (_, a?: string, b?: string) => ` ${a ?? b ?? ""} `,
  );
  out = out.replace(/\\mathbb\{R\}/g, " real numbers ").replace(/\\mathbb\{Z\}/g, " integers ");
  out = out.replace(/\\mathbb\{C\}/g, " complex numbers ");
  out = out.replace(/\^\s*\{?\s*\\circ\s*\}?/g, " degrees ");
  out = out.replace(/\^\s*\{?\s*2\s*\}?(?![0-9])/g, " squared ");
  out = out.replace(/\^\s*\{?\s*3\s*\}?(?![0-9])/g, " cubed ");
  out = out.replace(/\^/g, " to the power ");
  out = out.replace(/(\d|[a-zA-Z)])\s*!/g, "$1 factorial ");
  out = out.replace(/\\([a-zA-Z]+|[%$])/g, (_, name: string) => ` ${COMMAND_WORDS[name] ?? ""} `);
  out = out.replace(/\d[\d,]*(?:\.\d+)?/g, (number) =>
    number.replace(/[,.]/g, "").length > MAX_NUMBER_LENGTH ? " number " : number,
  );
  out = out.replace(/[\\${}_&~]/g, " ");
  return out.replace(/\s+/g, " ").trim();
}

// Format instructions ("Express your answer as a common fraction.") say how to write the answer, not
// what the problem is about, and appear across every topic.
const ANSWER_INSTRUCTION = /^\(?\s*(express|enter|give|write|round|simplify your|your answer)\b/i;

/** Drops sentences that only instruct how to format the answer; keeps the text if nothing remains. */
export function stripAnswerInstructions(text: string): string {
  const kept = text.split(/(?<=[.?!])\s+/).filter((sentence) => !ANSWER_INSTRUCTION.test(sentence));
  return kept.length > 0 ? kept.join(" ") : text;
}

/**
 * The text the sentence encoder and the lexical part see: competition answer-format boilerplate
 * ({@link stripAnswerFormat}) and answer-format sentences dropped, LaTeX read out as words.
 */
export function prepareForSentenceEncoder(text: string): string {
  return wordsForSentenceEncoder(stripAnswerFormat(text));
}

/** {@link prepareForSentenceEncoder} of a text whose boilerplate {@link stripAnswerFormat} already dropped. */
export function wordsForSentenceEncoder(stripped: string): string {
  return latexToWords(stripAnswerInstructions(stripped));
}
