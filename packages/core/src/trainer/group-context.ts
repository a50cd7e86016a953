import type { LeakageGuard } from "../guard/leakage-guard.js";
import type { LessonMemory } from "../memory/lesson-memory.js";
import type { ExperiencePool } from "../pool/experience-pool.js";
import { reflectionMessages } from "../prompts/reflection-prompt.js";
import type { PriorAttempt, Reflection } from "../types/attempt.js";
import type { FeedbackKind } from "../types/feedback.js";
import type { ScoredLesson } from "../types/lesson.js";
import type { Problem } from "../types/problem.js";
import { questionKey } from "../util/question-key.js";
import { rngFor } from "../util/rng.js";
import { callModel } from "./model-call.js";
import type { OutageTracker } from "./outage-tracker.js";
import type { ResolvedTrainerOptions } from "./resolve-options.js";
import type { Limiter } from "./step-limiter.js";
import type { TwinIndex } from "./twin-index.js";

/** How many earlier attempts `random` selection chooses among. */
const RANDOM_WINDOW = 8;

/** Calls on a step's critical path (critiques, distillation the next retrieval waits for) go first. */
export const CRITICAL_PRIORITY = 0;
export const ROLLOUT_PRIORITY = 1;

export interface ContextDeps {
  options: ResolvedTrainerOptions & { retrieval: { minScore: number } };
  pool: ExperiencePool;
  memory: LessonMemory;
  guard: LeakageGuard;
  limiter: Limiter;
  outage: OutageTracker;
  twins: TwinIndex;
  /** Resolves once lessons distilled so far are in memory: retrieval waits for it. */
  lessonsReady: () => Promise<void>;
  onBlocked: (problemId: string, part: "lesson" | "critique", sourceId?: string) => void;
}

/** The reflection a group's rollouts may see: the policy's own earlier attempt and a critique of it. */
export interface GroupReflection {
  record: Reflection;
  attempt: PriorAttempt;
  /** False when the critique was blocked by the guard: the attempt is shown without it. */
  critiqueShown: boolean;
}

/** The feedback available to one group, each part arriving when it is ready. */
export interface GroupContext {
  instruction: string;
  reflection: Promise<{ reflection?: GroupReflection; error?: string }>;
  lessons: Promise<ScoredLesson[]>;
  wantsLessons: boolean;
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
): Promise<{ reflection?: GroupReflection; error?: string }> {
  const { options, pool } = deps;
  const limit = options.attemptSelection === "random" ? RANDOM_WINDOW : 1;
  const attempts = await pool.priorAttempts(problem.id, { beforeStep: step, limit });
  const attempt = chooseAttempt(attempts, options, problem.id, step);
  if (!attempt) return {};
  try {
    const messages = reflectionMessages(attempt, { maxAttemptTokens: options.maxFeedbackTokens });
    const reply = await deps.limiter.run(
      () => callModel(options.reflector, messages, { ...options, outage: deps.outage }),
      CRITICAL_PRIORITY,
    );
    if (reply.status !== "ok" && reply.status !== "truncated")
      return { error: `the reflector's reply was ${reply.status}` };
    const record: Reflection = {
      id: options.generateId(),
      problemId: problem.id,
      attemptId: attempt.attemptId,
      text: reply.text,
      createdAtMs: options.now(),
    };
    // A critique from another model is text the policy did not write: guarded like a lesson.
    const critiqueShown = !options.separateReflector || deps.guard.allows(problem, "critique", reply.text);
    if (!critiqueShown) deps.onBlocked(problem.id, "critique", record.id);
    return { reflection: { record, attempt, critiqueShown } };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

async function retrieve(deps: ContextDeps, problem: Problem): Promise<ScoredLesson[]> {
  await deps.lessonsReady();
  const { k, minScore, excludeSimilarAbove } = deps.options.retrieval;
  const key = deps.twins.keyOf(problem);
  const twinIds = deps.twins.twinIds(problem);
  const found = await deps.memory.search(problem.question, {
    k,
    minScore,
    excludeProblemIds: twinIds,
    excludeQuestionKeys: [key],
  });
  return found.filter((s) => {
    // Checked again here: a memory of another implementation may not know every exclusion.
    const { lesson } = s;
    if (lesson.sourceProblemIds.some((id) => twinIds.includes(id))) return false;
    // The keys of every source question; a memory that keeps none is judged by its first source's text.
    if ((lesson.sourceQuestionKeys ?? [questionKey(lesson.problemText)]).includes(key)) return false;
    if (excludeSimilarAbove !== null && s.score >= excludeSimilarAbove) return false;
    const allowed = deps.guard.allows(problem, "lesson", lesson.text);
    if (!allowed) deps.onBlocked(problem.id, "lesson", lesson.id);
    return allowed;
  });
}

/**
 * Starts building what a group's rollouts may see, only what its plan asks for. Each part is a
 * promise, so from-scratch rollouts need not wait for a critique they do not use.
 */
export function buildGroupContext(
  deps: ContextDeps,
  problem: Problem,
  step: number,
  plan: readonly FeedbackKind[],
): GroupContext {
  const wantsReflection = plan.some((k) => k === "reflection" || k === "both");
  const wantsLessons = plan.some((k) => k === "abstraction" || k === "both");
  return {
    instruction: deps.options.instruction,
    reflection: wantsReflection ? reflect(deps, problem, step) : Promise.resolve({}),
    lessons: wantsLessons ? retrieve(deps, problem) : Promise.resolve([]),
    wantsLessons,
  };
}
