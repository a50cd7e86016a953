/**
 * The identity of a question for self-retrieval exclusion (DESIGN.md section 4): two problems whose
 * questions have the same key are the same problem under any id. The key ignores case, whitespace,
 * punctuation (dashes between words and clause dashes included: `two-digit`, `—`, `--`), `$`
 * delimiters, `\left`/`\right` and LaTeX spacing (`\,`, `\quad`, `~`, ...), and writes `\dfrac`/`\tfrac`
 * as `\frac` and a Unicode minus or en dash as `-`; it keeps every number, decimal point and
 * operator, so problems whose numbers differ are different problems.
 *
 * @example questionKey("What is  3.5 + 4?") === questionKey("what is 3.5+4") // true
 * @example questionKey("What is 3 + 4?") === questionKey("What is 3 + 5?") // false
 */
export function questionKey(question: string): string {
  const text = question
    .normalize("NFKC")
    .toLowerCase()
    // Thousands separators (`1,000`, `1{,}000`, `1\,000`) are not punctuation between two numbers.
    .replace(/(\d)(?:,|\{,\}|\\,)(?=\d{3}(?!\d))/g, "$1")
    .replace(/\\(?:[,;:! ]|q?quad\b|(?:thin|med|thick|neg)space\b|hspace\s*\{[^}]*\}|left\b|right\b)/g, " ")
    .replace(/\\[dt]frac\b/g, "\\frac")
    .replace(/~/g, " ")
    // A minus, an en dash and a hyphen look alike and are written for one another: one sign. It is
    // punctuation where it joins or separates words ("two-digit", "hours - how far"), and so is a
    // dash that separates clauses (an em dash, or two or more hyphens as TeX writes one); between
    // numbers or single-letter variables it is the operator.
    .replace(/[\u2010-\u2013\u2212\uFE58]/g, "-")
    .replace(/-{2,}|[\u2014\u2015\u2E3A\u2E3B]/g, " ")
    .replace(/(?<=(?:^|[^\\\p{L}])\p{L}{2,})\s*-\s*(?=\p{L}{2,})/gu, " ");
  const tokens = text.match(/\\[a-z]+|[a-z]+|\d+(?:\.\d+)*|[^\s\p{L}\p{N}.,;:!?'"`“”‘’()[\]{}$…-]|-/gu) ?? [];
  return tokens.join(" ");
}
