import type { AnswerMatcher } from "../guard/answer-matcher.js";
import type { LessonMemory } from "../memory/lesson-memory.js";
import { abstractionMessages, parseLessons } from "../prompts/abstraction-prompt.js";
import { isScored, type Rollout } from "../types/attempt.js";
import type { LessonDraft } from "../types/lesson.js";
import type { Problem } from "../types/problem.js";
import { rngFor, shuffled } from "../util/rng.js";
import { CRITICAL_PRIORITY } from "./group-context.js";
import { callModel } from "./model-call.js";
import type { OutageTracker } from "./outage-tracker.js";
import type { ResolvedTrainerOptions } from "./resolve-options.js";
import type { Limiter } from "./step-limiter.js";

/** Attempts shown to the abstractor: up to two that succeeded and two that did not. */
const SHOWN_PER_OUTCOME = 2;
const MAX_LESSONS = 3;
const MAX_LESSON_CHARS = 400;

export interface DistilResult {
  added: number;
  merged: number;
  rejected: number;
  unparsed: number;
  error?: string;
}

export interface DistilDeps {
  options: ResolvedTrainerOptions;
  memory: LessonMemory;
  limiter: Limiter;
  outage: OutageTracker;
  matcher: AnswerMatcher;
}

/** Whether a verified group is one lessons are distilled from, by the `distillFrom` rule. */
export function isDistillable(rollouts: readonly Rollout[], rule: ResolvedTrainerOptions["distillFrom"]): boolean {
  const scored = rollouts.filter(isScored);
  const good = scored.some((r) => (r.reward ?? 0) > 0);
  const bad = scored.some((r) => (r.reward ?? 0) <= 0);
  return rule === "mixed" ? good && bad : good;
}

/**
 * Distils lessons from a verified group for *other* problems (DESIGN.md section 3, point 7). The
 * abstractor may see which attempts succeeded; which attempts it is shown is drawn at random by
 * seed (never the first by index), and any lesson that mentions this group's gold answer, in any
 * form the matcher knows, is rejected, so a lesson can never carry an answer to a problem that
 * shares it.
 */
export async function distilLessons(
  problem: Problem,
  step: number,
  rollouts: readonly Rollout[],
  deps: DistilDeps,
): Promise<DistilResult> {
  const result: DistilResult = { added: 0, merged: 0, rejected: 0, unparsed: 0 };
  const { options } = deps;
  if (!isDistillable(rollouts, options.distillFrom)) return result;
  const scored = rollouts.filter(isScored);
  const rng = rngFor(options.seed, "distil", step, problem.id);
  const good = shuffled(
    scored.filter((r) => (r.reward ?? 0) > 0),
    rng,
  ).slice(0, SHOWN_PER_OUTCOME);
  const bad = shuffled(
    scored.filter((r) => (r.reward ?? 0) <= 0),
    rng,
  ).slice(0, SHOWN_PER_OUTCOME);
  const attempts = shuffled([...good, ...bad], rng).map((r) => ({
    completion: r.completion,
    correct: (r.reward ?? 0) > 0,
  }));
  let reply: string;
  try {
    const messages = abstractionMessages(problem.question, attempts, {
      maxAttemptTokens: Math.floor(options.maxFeedbackTokens / 2),
    });
    reply = (
      await deps.limiter.run(
        () => callModel(options.abstractor, messages, { ...options, outage: deps.outage }),
        CRITICAL_PRIORITY,
      )
    ).text;
  } catch (error) {
    return { ...result, error: error instanceof Error ? error.message : String(error) };
  }
  const texts = parseLessons(reply, { maxLessons: MAX_LESSONS, maxChars: MAX_LESSON_CHARS });
  if (texts.length === 0) return { ...result, unparsed: 1 };
  const drafts: LessonDraft[] = [];
  for (const text of texts) {
    if (deps.matcher.mentions(text, problem.answer)) result.rejected++;
    else drafts.push({ text, sourceProblemIds: [problem.id], problemText: problem.question });
  }
  if (drafts.length > 0) {
    for (const added of await deps.memory.add(drafts)) {
      if (added.merged) result.merged++;
      else result.added++;
    }
  }
  return result;
}
