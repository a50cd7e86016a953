import type { AnswerMatcher } from "@lanpo/core";

/** A part of a context shown to an agent that did not come from its own earlier attempt. */
export type ContextPart = "lesson" | "critique";

/** What the guard needs of the task: its statement and, when known, its gold answer. */
export interface GuardedTask {
  question: string;
  /** The gold answer; without it there is nothing to leak and every part is allowed. */
  answer?: string | undefined;
}

/**
 * The leakage rule of core's `LeakageGuard` (DESIGN.md section 4) over any {@link AnswerMatcher}: a
 * lesson or critique that mentions the task's gold answer is blocked; when the question itself
 * mentions the answer, a part is blocked only when it asserts the answer as a result. Blocks are
 * counted per part.
 */
export class ContextGuard {
  readonly #matcher: AnswerMatcher;
  readonly #blocks: Record<ContextPart, number> = { lesson: 0, critique: 0 };

  constructor(matcher: AnswerMatcher) {
    this.#matcher = matcher;
  }

  /** True when `text` may be shown for `task`. A matcher that throws blocks the part (fail closed). */
  allows(task: GuardedTask, part: ContextPart, text: string): boolean {
    const answer = task.answer;
    if (answer === undefined || answer.trim() === "") return true;
    let leaks: boolean;
    try {
      leaks = this.#matcher.mentions(task.question, answer)
        ? this.#matcher.asserts(text, answer)
        : this.#matcher.mentions(text, answer);
    } catch {
      leaks = true;
    }
    if (leaks) this.#blocks[part]++;
    return !leaks;
  }

  /** Blocks so far, by part and in total. */
  get counts(): Readonly<Record<ContextPart, number>> & { total: number } {
    const { lesson, critique } = this.#blocks;
    return { lesson, critique, total: lesson + critique };
  }
}
