/**
 * The identity of a question for self-retrieval exclusion (DESIGN.md section 4): two problems whose
 * questions have the same key are the same problem under any id. The key ignores case, whitespace,
 * punctuation, `$` delimiters, `\left`/`\right` and LaTeX spacing (`\,`, `\quad`, `~`, ...), and
 * writes `\dfrac`/`\tfrac` as `\frac`; it keeps every number, decimal point and operator, so
 * problems whose numbers differ are different problems.
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
    .replace(/~/g, " ");
  const tokens = text.match(/\\[a-z]+|[a-z]+|\d+(?:\.\d+)*|[^\s\p{L}\p{N}.,;:!?'"`“”‘’()[\]{}$…-]|-/gu) ?? [];
  return tokens.join(" ");
}
