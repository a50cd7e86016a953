import type { Problem } from "../types/problem.js";
import { mentionsAnswer } from "./answer-mentions.js";

/** A part of a composed context that did not come from the policy's own earlier attempt. */
export type GuardedPart = "lesson" | "plan" | "instruction";

/**
 * Checks every context part that did not come from the policy's own earlier attempt at the target
 * problem (lessons, plans, instructions) against the target's gold answer before the context is
 * sent (DESIGN.md section 4). A part that mentions the gold answer is blocked, unless the problem
 * statement itself mentions it (then the part tells the policy nothing it was not already shown).
 * Blocks are counted per kind of part.
 */
export class LeakageGuard {
  private readonly blocks: Record<GuardedPart, number> = { lesson: 0, plan: 0, instruction: 0 };

  /** True when `text` may be shown to the policy for `problem`; false when it is blocked. */
  allows(problem: Problem, part: GuardedPart, text: string): boolean {
    if (!mentionsAnswer(text, problem.answer)) return true;
    if (mentionsAnswer(problem.question, problem.answer)) return true;
    this.blocks[part]++;
    return false;
  }

  /** Blocks so far, by part and in total. */
  get counts(): Readonly<Record<GuardedPart, number>> & { total: number } {
    const { lesson, plan, instruction } = this.blocks;
    return { lesson, plan, instruction, total: lesson + plan + instruction };
  }
}
