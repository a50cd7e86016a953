import type { LeakageGuard } from "../guard/leakage-guard.js";
import type { LessonMemory } from "../memory/lesson-memory.js";
import type { ExperiencePool } from "../pool/experience-pool.js";
import { reflectionMessages } from "../prompts/reflection-prompt.js";
import type { PriorAttempt, Reflection } from "../types/attempt.js";
import type { FeedbackKind } from "../types/feedback.js";
import type { ScoredLesson } from "../types/lesson.js";
import type { Problem } from "../types/problem.js";
import { rngFor } from "../util/rng.js";
import type { Semaphore } from "../util/semaphore.js";
import { callModel } from "./model-call.js";
import type { ResolvedTrainerOptions } from "./resolve-options.js";

/** How many earlier attempts `random` selection chooses among. */
const RANDOM_WINDOW = 8;

export interface ContextDeps {
  options: ResolvedTrainerOptions;
  pool: ExperiencePool;
  memory: LessonMemory;
  guard: LeakageGuard;
  limiter: Semaphore;
  onBlocked: (problemId: string, part: "lesson" | "instruction", sourceId?: string) => void;
}

/** The feedback available to one group, shared by its rollouts. */
export interface GroupContext {
  instruction: string;
  reflection?: { record: Reflection; attempt: PriorAttempt };
  lessons: ScoredLesson[];
  retrieval: { queried: boolean; hit: boolean };
  reflectionError?: string;
}

/**
 * Chooses the earlier attempt to reflect on. It sees only `PriorAttempt`s (text, no reward), so the
 * choice cannot depend on whether an attempt was right.
 */
function chooseAttempt(attempts: PriorAttempt[], options: ResolvedTrainerOptions, problemId: string, step: number) {
  if (attempts.length === 0) return undefined;
  if (options.attemptSelection === "most-recent") return attempts[0];
  const rng = rngFor(options.seed, "attempt", step, problemId);
  return attempts[Math.floor(rng() * attempts.length)];
}

async function reflect(
  deps: ContextDeps,
  problem: Problem,
  step: number,
): Promise<Pick<GroupContext, "reflection" | "reflectionError">> {
  const { options, pool } = deps;
  const limit = options.attemptSelection === "random" ? RANDOM_WINDOW : 1;
  const attempts = await pool.priorAttempts(problem.id, { beforeStep: step, limit });
  const attempt = chooseAttempt(attempts, options, problem.id, step);
  if (!attempt) return {};
  try {
    const messages = reflectionMessages(attempt, { maxAttemptTokens: options.maxFeedbackTokens });
    const reply = await deps.limiter.run(() => callModel(options.reflector, messages, options));
    const record: Reflection = {
      id: options.generateId(),
      problemId: problem.id,
      attemptId: attempt.attemptId,
      text: reply.text,
      createdAtMs: options.now(),
    };
    return { reflection: { record, attempt } };
  } catch (error) {
    return { reflectionError: error instanceof Error ? error.message : String(error) };
  }
}

async function retrieve(deps: ContextDeps, problem: Problem): Promise<ScoredLesson[]> {
  const { k, minScore } = deps.options.retrieval;
  const found = await deps.memory.search(problem.question, { k, minScore, excludeProblemIds: [problem.id] });
  return found.filter((s) => {
    if (s.lesson.sourceProblemIds.includes(problem.id)) return false;
    const allowed = deps.guard.allows(problem, "lesson", s.lesson.text);
    if (!allowed) deps.onBlocked(problem.id, "lesson", s.lesson.id);
    return allowed;
  });
}

/** Builds what a group's rollouts may see: only what its plan asks for. */
export async function buildGroupContext(
  deps: ContextDeps,
  problem: Problem,
  step: number,
  plan: readonly FeedbackKind[],
): Promise<GroupContext> {
  const wantsReflection = plan.some((k) => k === "reflection" || k === "both");
  const wantsLessons = plan.some((k) => k === "abstraction" || k === "both");
  let instruction = deps.options.instruction;
  if (!deps.guard.allows(problem, "instruction", instruction)) {
    deps.onBlocked(problem.id, "instruction");
    instruction = "";
  }
  const [reflected, lessons] = await Promise.all([
    wantsReflection ? reflect(deps, problem, step) : Promise.resolve({}),
    wantsLessons ? retrieve(deps, problem) : Promise.resolve([]),
  ]);
  return {
    instruction,
    ...reflected,
    lessons,
    retrieval: { queried: wantsLessons, hit: lessons.length > 0 },
  };
}
