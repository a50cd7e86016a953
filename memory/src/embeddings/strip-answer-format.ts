// Competition problems end in boilerplate that says how the answer is encoded, not what the problem
// is about: "... is $\frac{m}{n}$, where $m$ and $n$ are relatively prime positive integers. Find
// $m+n$." (AIME, AMC, HMMT and most olympiad collections write it so). The same words close a
// probability, a geometry and a logarithm problem alike, and "relatively prime" or "positive
// integers" are number-theory vocabulary, so left in they pull unrelated problems together. The
// patterns below are that general convention, not phrases picked from any evaluation set.

// A letter alone, possibly in `$…$` or `\(…\)`: the unknowns of the answer's form.
const LETTER = String.raw`(?:\$|\\\()?\s*[a-zA-Z]\s*(?:\$|\\\))?`;
const LETTER_LIST = String.raw`${LETTER}(?:\s*(?:,\s*and|,|and)\s*${LETTER})*`;

// ", where $m$ and $n$ are relatively prime positive integers" (or coprime, or square-free): the
// clause runs to the end of its sentence. Only a clause whose subject is a list of single letters
// is taken, so "where $\phi(n)$ denotes ... relatively prime to $n$" (a definition) stays.
const FORMAT_CLAUSE = new RegExp(
  String.raw`,?\s*(?:where|with)\s+${LETTER_LIST}\s*(?:are|is|being|be)\b[^.?!]*?\b(?:relatively prime|coprime|square of any|square factor|squarefree|square-free)\b[^.?!]*`,
  "gi",
);

// A sentence that only asks for an expression in those letters: "Find $m+n$.", "What is $m^2+n^2$?".
const LETTERS_ONLY =
  /^\(?\s*(?:then\s+)?(?:find|what is|compute|determine|evaluate|give)\s*(?:the value of\s*)?(?:\$|\\\(|\\\[)?\s*[a-zA-Z](?:\^\{?\d\}?)?(?:\s*(?:[+-]|\\cdot|\\times)\s*[a-zA-Z0-9^{}]+)+\s*(?:\$|\\\)|\\\])?\s*[.?!]?\s*\)?$/i;

// "The final answer can be written in the form ...": a sentence about the answer, not the problem.
const ABOUT_THE_ANSWER = /^(?:the\s+)?(?:final\s+)?answer\s+(?:can|may|will|should|is to)\b/i;

/**
 * Drops the answer-format boilerplate of competition problems: clauses that make the answer's
 * letters coprime or square-free, sentences that only ask for `m+n` (or any sum of such letters)
 * and sentences about how the final answer is written. LaTeX is kept, so the result can go to any
 * part of the embedding; a text that would be left empty is returned as it was.
 *
 * @example
 * ```ts
 * stripAnswerFormat("The probability is $\\frac{m}{n}$, where $m$ and $n$ are relatively prime positive integers. Find $m+n$.");
 * // "The probability is $\\frac{m}{n}$."
 * ```
 */
export function stripAnswerFormat(text: string): string {
  const withoutClauses = text.replace(FORMAT_CLAUSE, "");
  const kept = withoutClauses.split(/(?<=[.?!])\s+/).filter((sentence) => {
    const trimmed = sentence.trim();
    return !LETTERS_ONLY.test(trimmed) && !ABOUT_THE_ANSWER.test(trimmed);
  });
  const joined = kept.join(" ").trim();
  return joined === "" ? text : joined;
}
