import type { ChatMessageRecord } from "../types/message.js";

/**
 * The default instruction of every rollout: one fixed text, the same for every problem (it is never
 * changed per problem: a prompt that varied with the answer would carry the label).
 */
export const DEFAULT_INSTRUCTION = "Solve the problem. Reason step by step, then give the final answer in \\boxed{}.";

/** What language feedback a rollout's context carries, already truncated and guarded. */
export interface RolloutFeedback {
  /** The policy's own earlier attempt at this problem, quoted as it was, and the critique of it. */
  reflection?: { attempt: string; critique?: string };
  /** Lessons from other problems. */
  lessons?: readonly string[];
}

/** The prompt of a from-scratch rollout. */
export function originalMessages(instruction: string, question: string): ChatMessageRecord[] {
  return withInstruction(instruction, question);
}

/**
 * The prompt of a rollout with feedback: the original prompt with lessons and/or a reflection block
 * added to the user turn. Nothing here says whether the earlier attempt was right.
 */
export function rolloutMessages(instruction: string, question: string, feedback: RolloutFeedback): ChatMessageRecord[] {
  const parts: string[] = [question];
  if (feedback.lessons && feedback.lessons.length > 0) {
    parts.push(`Lessons from solving similar problems:\n${feedback.lessons.map((l) => `- ${l}`).join("\n")}`);
  }
  if (feedback.reflection) {
    const review =
      feedback.reflection.critique === undefined
        ? ""
        : `\n\nA review of that attempt:\n<review>\n${feedback.reflection.critique}\n</review>`;
    parts.push(`Your earlier attempt at this problem:\n<attempt>\n${feedback.reflection.attempt}\n</attempt>${review}`);
  }
  if (parts.length > 1) parts.push("Now solve the problem from the start.");
  return withInstruction(instruction, parts.join("\n\n"));
}

/** An empty instruction is left out rather than sent as an empty system message. */
function withInstruction(instruction: string, user: string): ChatMessageRecord[] {
  const messages: ChatMessageRecord[] = instruction ? [{ role: "system", content: instruction }] : [];
  messages.push({ role: "user", content: user });
  return messages;
}
