import type { PriorAttempt } from "../types/attempt.js";
import type { ChatMessageRecord } from "../types/message.js";
import { truncateToTokens } from "../util/tokens.js";

/** Marks a reflection request, so fakes and logs can tell it from a rollout. */
export const REFLECTION_MARKER = "[lanpo:reflect]";

const SYSTEM = `${REFLECTION_MARKER} You review a solution attempt to a problem. You are not told whether the attempt is correct, and nobody knows yet. Check its reasoning step by step: name any step that is wrong, unjustified or incomplete, and what should be checked or done differently. Be brief and concrete. Do not write a full new solution.`;

/**
 * The reflector's input. It is built from a {@link PriorAttempt}, which has no reward, correctness
 * or gold-answer field, so a reflection can never be told whether the attempt was right.
 */
export function reflectionMessages(attempt: PriorAttempt, options: { maxAttemptTokens: number }): ChatMessageRecord[] {
  return [
    { role: "system", content: SYSTEM },
    {
      role: "user",
      content: `Problem:\n${attempt.question}\n\nAttempt:\n${truncateToTokens(attempt.completion, options.maxAttemptTokens)}\n\nYour review:`,
    },
  ];
}
