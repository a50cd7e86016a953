import { mentionsAnswer } from "../guard/answer-mentions.js";
import type { LessonMemory } from "../memory/lesson-memory.js";
import { abstractionMessages, parseLessons } from "../prompts/abstraction-prompt.js";
import type { Rollout } from "../types/attempt.js";
import type { LessonDraft } from "../types/lesson.js";
import type { Problem } from "../types/problem.js";
import type { Semaphore } from "../util/semaphore.js";
import { callModel } from "./model-call.js";
import type { ResolvedTrainerOptions } from "./resolve-options.js";

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

/**
 * Distils lessons from a verified group for *other* problems (DESIGN.md section 3, point 7). The
 * abstractor may see which attempts succeeded; any lesson that mentions this group's gold answer is
 * rejected, so a lesson can never carry an answer to a problem that shares it. Only groups with at
 * least one success are distilled: lessons drawn from failures alone teach guesses.
 */
export async function distilLessons(
  problem: Problem,
  rollouts: readonly Rollout[],
  deps: { options: ResolvedTrainerOptions; memory: LessonMemory; limiter: Semaphore },
): Promise<DistilResult> {
  const result: DistilResult = { added: 0, merged: 0, rejected: 0, unparsed: 0 };
  const ok = rollouts.filter((r) => r.status === "ok");
  const good = ok.filter((r) => (r.reward ?? 0) > 0).slice(0, SHOWN_PER_OUTCOME);
  const bad = ok.filter((r) => (r.reward ?? 0) <= 0).slice(0, SHOWN_PER_OUTCOME);
  if (good.length === 0) return result;
  const attempts = [...good, ...bad]
    .sort((a, b) => a.index - b.index)
    .map((r) => ({ completion: r.completion, correct: (r.reward ?? 0) > 0 }));
  const { options } = deps;
  let reply: string;
  try {
    const messages = abstractionMessages(problem.question, attempts, {
      maxAttemptTokens: Math.floor(options.maxFeedbackTokens / 2),
    });
    reply = (await deps.limiter.run(() => callModel(options.abstractor, messages, options))).text;
  } catch (error) {
    return { ...result, error: error instanceof Error ? error.message : String(error) };
  }
  const texts = parseLessons(reply, { maxLessons: MAX_LESSONS, maxChars: MAX_LESSON_CHARS });
  if (texts.length === 0) return { ...result, unparsed: 1 };
  const drafts: LessonDraft[] = [];
  for (const text of texts) {
    if (mentionsAnswer(text, problem.answer)) result.rejected++;
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
