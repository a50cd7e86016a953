import type { LessonMemory } from "../memory/lesson-memory.js";
import type { ExperiencePool } from "../pool/experience-pool.js";
import { isScored, type Rollout } from "../types/attempt.js";
import type { FeedbackKind } from "../types/feedback.js";
import type { Problem } from "../types/problem.js";
import { rngFor } from "../util/rng.js";
import { type DistilDeps, distilLessons, isDistillable } from "./distil-lessons.js";
import type { DistilQueue } from "./distil-queue.js";
import { groupAdvantages } from "./group-advantages.js";
import { buildGroupContext, type ContextDeps, type GroupContext } from "./group-context.js";
import { planGroup } from "./group-plan.js";
import { runRollout } from "./rollout-runner.js";
import type { StepCounters } from "./step-stats.js";
import type { TrainerEvents } from "./trainer-events.js";

export interface GroupDeps extends ContextDeps {
  pool: ExperiencePool;
  memory: LessonMemory;
  queue: DistilQueue;
  distil: DistilDeps;
  emit: <K extends keyof TrainerEvents>(name: K, payload: TrainerEvents[K]) => void;
}

/**
 * Runs one problem's group (DESIGN.md section 3, points 1-7). Every rollout starts as soon as the
 * feedback it needs is ready: from-scratch rollouts at once, reflection rollouts after the
 * critique, abstraction rollouts after retrieval. The group is stored in one transaction (unless
 * every call failed: then there is nothing verified to keep), its events fire after that commit,
 * and its distillation is queued in the background.
 */
/** A group's plan and the feedback being prepared for it. */
export interface PreparedGroup {
  problem: Problem;
  plan: FeedbackKind[];
  context: GroupContext;
}

/**
 * Plans a group and starts its critique and retrieval. A step prepares every group before it
 * starts any rollout, so the critiques, which the reflection rollouts wait for, are sent first.
 */
export function prepareGroup(deps: GroupDeps, problem: Problem, step: number): PreparedGroup {
  const { options } = deps;
  const plan = planGroup(options.groupSize, options.mix, rngFor(options.seed, "plan", step, problem.id));
  return { problem, plan, context: buildGroupContext(deps, problem, step, plan) };
}

export async function runGroup(
  deps: GroupDeps,
  prepared: PreparedGroup,
  step: number,
  runId: string,
  policyVersion: string,
  counters: StepCounters,
): Promise<Rollout[]> {
  const { options } = deps;
  const { problem, plan, context } = prepared;
  if (context.wantsLessons) {
    context.lessons.then(
      (lessons) => {
        counters.retrieval.queries++;
        if (lessons.length > 0) counters.retrieval.hits++;
        else counters.retrieval.abstentions++;
        counters.retrieval.scores.push(...lessons.map((l) => l.score));
      },
      () => {},
    );
  }
  const groupId = `${runId}:${step}:${problem.id}`;
  const rollouts = await Promise.all(
    plan.map(async (planned, index) => {
      const reflects = planned === "reflection" || planned === "both";
      const abstracts = planned === "abstraction" || planned === "both";
      const [reflected, lessons] = await Promise.all([
        reflects ? context.reflection : Promise.resolve({}),
        abstracts ? context.lessons : Promise.resolve([]),
      ]);
      return runRollout(
        {
          problem,
          step,
          index,
          planned,
          instruction: context.instruction,
          reflection: (reflected as { reflection?: never }).reflection,
          lessons,
          policyVersion,
          groupId,
        },
        options,
        deps.limiter,
        deps.outage,
      );
    }),
  );
  const scored = rollouts.filter(isScored);
  if (scored.length === 0) return rollouts;
  const advantages = groupAdvantages(
    scored.map((r) => r.reward as number),
    { estimator: options.estimator, std: options.advantageStd },
  );
  scored.forEach((r, i) => {
    r.advantage = advantages[i] as number;
  });
  const { reflection } = await context.reflection;
  const usedReflection = rollouts.some((r) => r.reflectionId !== undefined);
  const distillable = options.distil && isDistillable(rollouts, options.distillFrom);
  await deps.pool.recordGroup({
    problemId: problem.id,
    step,
    rollouts,
    reflections: usedReflection && reflection ? [reflection.record] : [],
    distilled: !distillable,
  });
  for (const rollout of rollouts) deps.emit("rollout-end", { step, rollout });
  const meanReward = scored.reduce((a, r) => a + (r.reward as number), 0) / scored.length;
  deps.emit("group-end", { step, problemId: problem.id, meanReward, rollouts });
  const uses = scored
    .filter((r) => r.lessonIds.length > 0)
    .map((r) => ({ lessonIds: r.lessonIds, advantage: r.advantage as number }));
  if (uses.length > 0) await deps.memory.recordUse(uses);
  if (distillable) {
    deps.queue.add({ problemId: problem.id, step }, () => distilLessons(problem, step, rollouts, deps.distil));
  }
  return rollouts;
}
