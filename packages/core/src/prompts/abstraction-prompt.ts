import type { ChatMessageRecord } from "../types/message.js";
import { truncateToTokens } from "../util/tokens.js";
import { fillTemplate } from "./fill-template.js";

/** Marks a lesson-distillation request. */
export const ABSTRACTION_MARKER = "[lanpo:abstract]";

/**
 * The abstractor's system prompt: one fixed text. `@lanpo/langchain`'s `AbstractionChain` builds
 * its prompt from this and {@link ABSTRACTION_USER_TEMPLATE}.
 */
export const ABSTRACTION_SYSTEM_PROMPT = `${ABSTRACTION_MARKER} You distil lessons from several attempts at one problem, for solving other, similar problems later. Each attempt is marked as reaching the correct final answer or not. Write 1 to 3 lessons: general principles, methods or pitfalls that transfer to similar problems. Never mention this problem's specific numbers, objects or final answer. One lesson per line, each starting with "- ".`;

/** The abstractor's user turn, with `{problem}` and `{attempts}` slots (f-string syntax). */
export const ABSTRACTION_USER_TEMPLATE = "Problem:\n{problem}\n\n{attempts}\n\nLessons:";

/** One attempt as the abstractor sees it: unlike reflection, distillation may know the outcome. */
export interface GradedAttempt {
  completion: string;
  correct: boolean;
}

export function abstractionMessages(
  question: string,
  attempts: readonly GradedAttempt[],
  options: { maxAttemptTokens: number },
): ChatMessageRecord[] {
  const shown = attempts
    .map(
      (a, i) =>
        `Attempt ${i + 1} (${a.correct ? "correct" : "incorrect"}):\n${truncateToTokens(a.completion, options.maxAttemptTokens)}`,
    )
    .join("\n\n");
  return [
    { role: "system", content: ABSTRACTION_SYSTEM_PROMPT },
    { role: "user", content: fillTemplate(ABSTRACTION_USER_TEMPLATE, { problem: question, attempts: shown }) },
  ];
}

/** Lesson texts parsed from the abstractor's reply: bulleted lines of reasonable length. */
export function parseLessons(reply: string, options: { maxLessons: number; maxChars: number }): string[] {
  const lessons: string[] = [];
  for (const raw of reply.split(/\r?\n/)) {
    const match = /^\s*(?:[-*•]|\d+[.)])\s+(.*\S)\s*$/.exec(raw);
    const text = match?.[1]?.trim();
    if (!text || text.length < 12 || text.length > options.maxChars) continue;
    if (!/[a-z]{3}/i.test(text)) continue;
    lessons.push(text);
    if (lessons.length === options.maxLessons) break;
  }
  return lessons;
}
