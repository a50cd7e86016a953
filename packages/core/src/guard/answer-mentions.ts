import { BuiltinAnswerMatcher } from "./builtin-answer-matcher.js";

const shared = new BuiltinAnswerMatcher();

/**
 * Whether `text` mentions `answer` in any form core's {@link BuiltinAnswerMatcher} knows: the
 * function form of its `mentions`, with one shared cache.
 *
 * @example mentionsAnswer("eight times nine", "72") // true
 */
export function mentionsAnswer(text: string, answer: string): boolean {
  return shared.mentions(text, answer);
}
