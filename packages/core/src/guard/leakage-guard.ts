import type { Problem } from "../types/problem.js";
import type { AnswerMatcher } from "./answer-matcher.js";
import { BuiltinAnswerMatcher } from "./builtin-answer-matcher.js";

/**
 * A part of a composed context that did not come from the policy's own earlier attempt at the
 * target problem: a lesson, a plan, or a critique written by a model other than the policy.
 */
export type GuardedPart = "lesson" | "plan" | "critique";

export const GUARDED_PARTS: readonly GuardedPart[] = ["lesson", "plan", "critique"];

/** Options of {@link LeakageGuard}. */
export interface LeakageGuardOptions {
  /** Recognises the gold answer in a text. @default new BuiltinAnswerMatcher() */
  matcher?: AnswerMatcher;
  /** Verdicts kept per (text, answer), oldest dropped first. @default 8192 */
  cacheSize?: number;
}

/**
 * Checks every context part that did not come from the policy's own earlier attempt at the target
 * problem (lessons, plans, critiques by another model) against the target's gold answer, in any
 * form its {@link AnswerMatcher} knows, before the context is sent (DESIGN.md section 4). A part
 * that mentions the answer is blocked. When the question itself contains the answer (small
 * integers often appear in it), a bare mention tells nothing new, but a part that asserts the
 * answer ("the answer is 5", `\boxed{5}`, "= 5.") is still blocked: the guard never switches
 * itself off. Blocks are counted per kind of part.
 */
export class LeakageGuard {
  readonly matcher: AnswerMatcher;
  readonly #blocks: Record<GuardedPart, number> = { lesson: 0, plan: 0, critique: 0 };
  readonly #verdicts = new Map<string, boolean>();
  readonly #cacheSize: number;

  constructor(options: LeakageGuardOptions = {}) {
    this.matcher = options.matcher ?? new BuiltinAnswerMatcher();
    this.#cacheSize = options.cacheSize ?? 8192;
  }

  /** True when `text` may be shown to the policy for `problem`; false when it is blocked (and counted). */
  allows(problem: Pick<Problem, "question" | "answer">, part: GuardedPart, text: string): boolean {
    const allowed = this.#verdict(problem, text);
    if (!allowed) this.#blocks[part]++;
    return allowed;
  }

  /** Blocks so far, by part and in total. */
  get counts(): Readonly<Record<GuardedPart, number>> & { total: number } {
    const { lesson, plan, critique } = this.#blocks;
    return { lesson, plan, critique, total: lesson + plan + critique };
  }

  #verdict(problem: Pick<Problem, "question" | "answer">, text: string): boolean {
    const key = `${problem.answer}\u0000${problem.question}\u0000${text}`;
    const cached = this.#verdicts.get(key);
    if (cached !== undefined) return cached;
    const { matcher } = this;
    const allowed =
      !matcher.mentions(text, problem.answer) ||
      (matcher.mentions(problem.question, problem.answer) && !matcher.asserts(text, problem.answer));
    if (this.#verdicts.size >= this.#cacheSize) this.#verdicts.delete(this.#verdicts.keys().next().value as string);
    this.#verdicts.set(key, allowed);
    return allowed;
  }
}
