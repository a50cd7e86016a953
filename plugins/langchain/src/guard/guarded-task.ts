import type { LeakageGuard } from "@lanpo/core";

/** What the guard needs of a task: its statement and, when known, its gold answer. */
export interface GuardedTask {
  question: string;
  /** The gold answer; without it there is nothing to leak and every part is allowed. */
  answer?: string | undefined;
}

/**
 * Asks core's {@link LeakageGuard} whether `text` may be shown for `task`. A task with no known
 * gold answer has nothing to leak. A matcher that throws blocks the part (fail closed): dropping a
 * lesson is cheap, leaking the label is not.
 */
export function guardAllows(
  guard: LeakageGuard,
  task: GuardedTask,
  part: "lesson" | "critique",
  text: string,
): boolean {
  const answer = task.answer;
  if (answer === undefined || answer.trim() === "") return true;
  try {
    return guard.allows({ question: task.question, answer }, part, text);
  } catch {
    return false;
  }
}
