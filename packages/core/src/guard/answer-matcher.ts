/**
 * Recognises a gold answer inside a text, in any form it knows to be equivalent. The leakage guard
 * and lesson distillation ask it; core ships {@link BuiltinAnswerMatcher}, and `@lanpo/verify`
 * a stronger one built on the verifier's grammar. Implementations must be pure and fast (the guard
 * caches verdicts per (text, answer)), and must err towards `true`: a false alarm drops one lesson,
 * a miss leaks the label.
 */
export interface AnswerMatcher {
  /** Whether `text` contains `answer` (or an equivalent form of it) anywhere. */
  mentions(text: string, answer: string): boolean;
  /**
   * Whether `text` asserts `answer` as a result: "the answer is …", `\boxed{…}`, "= …" ending a
   * statement. Used when the question itself contains the answer, so a bare mention says nothing.
   */
  asserts(text: string, answer: string): boolean;
}
