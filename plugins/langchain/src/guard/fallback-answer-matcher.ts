import type { AnswerMatcher } from "@lanpo/core";
import { mentionsAnswer } from "@lanpo/core";

/**
 * The plugin's default {@link AnswerMatcher} until core exports `BuiltinAnswerMatcher`: core's
 * `mentionsAnswer` for `mentions`, and for `asserts` the same test restricted to the places a text
 * states a result (`\boxed{…}`, "the answer is …", "= …" ending a statement). For math answers in
 * any form the verifier recognises, pass `createVerifierAnswerMatcher()` from `@lanpo/verify`.
 */
export const fallbackAnswerMatcher: AnswerMatcher = {
  mentions: (text, answer) => mentionsAnswer(text, answer),
  asserts: (text, answer) => {
    const claims = [
      ...text.matchAll(/\\boxed\s*\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g),
      ...text.matchAll(/\banswer\s*(?:is|:|=)\s*([^\n.;]+(?:\.\d+)?)/gi),
      ...text.matchAll(/=\s*([^=\n;]+?)\s*(?:[.;]\s|[.;]?$)/gm),
    ].map((m) => m[1] ?? "");
    return claims.some((claim) => mentionsAnswer(claim, answer));
  },
};
