import type { PriorAttempt } from "../types/attempt.js";
import type { ChatMessageRecord } from "../types/message.js";
import { truncateToTokens } from "../util/tokens.js";
import { fillTemplate } from "./fill-template.js";

/** Marks a reflection request, so fakes and logs can tell it from a rollout. */
export const REFLECTION_MARKER = "[lanpo:reflect]";

/**
 * The reflector's system prompt: one fixed text for every problem. `@lanpo/langchain`'s
 * `ReflectionChain` builds its `ChatPromptTemplate` from this and {@link REFLECTION_USER_TEMPLATE}.
 */
export const REFLECTION_SYSTEM_PROMPT = `${REFLECTION_MARKER} You review a solution attempt to a problem. You are not told whether the attempt is correct, and nobody knows yet. Check its reasoning step by step: name any step that is wrong, unjustified or incomplete, and what should be checked or done differently. Be brief and concrete. Do not write a full new solution.`;

/** The reflector's user turn, with `{problem}` and `{attempt}` slots (f-string syntax). */
export const REFLECTION_USER_TEMPLATE = "Problem:\n{problem}\n\nAttempt:\n{attempt}\n\nYour review:";

/**
 * The reflector's input. It is built from a {@link PriorAttempt}, which has no reward, correctness
 * or gold-answer field, so a reflection can never be told whether the attempt was right.
 */
export function reflectionMessages(attempt: PriorAttempt, options: { maxAttemptTokens: number }): ChatMessageRecord[] {
  return [
    { role: "system", content: REFLECTION_SYSTEM_PROMPT },
    {
      role: "user",
      content: fillTemplate(REFLECTION_USER_TEMPLATE, {
        problem: attempt.question,
        attempt: truncateToTokens(attempt.completion, options.maxAttemptTokens),
      }),
    },
  ];
}
