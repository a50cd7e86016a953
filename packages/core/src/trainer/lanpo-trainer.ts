import { ConfigError } from "../errors/config-error.js";
import { LeakageGuard } from "../guard/leakage-guard.js";
import { ExactLessonMemory } from "../memory/exact-lesson-memory.js";
import { HashedLexicalEmbeddings } from "../memory/hashed-lexical-embeddings.js";
import type { LessonMemory } from "../memory/lesson-memory.js";
import { InMemoryOptimizer } from "../optimizer/in-memory-optimizer.js";
import type { Optimizer, TrainingSample } from "../optimizer/optimizer.js";
import type { ExperiencePool } from "../pool/experience-pool.js";
import { InMemoryExperiencePool } from "../pool/in-memory-experience-pool.js";
import type { Rollout } from "../types/attempt.js";
import type { Problem } from "../types/problem.js";
import type { StepReport } from "../types/step-report.js";
import { rngFor, shuffled } from "../util/rng.js";
import { Semaphore } from "../util/semaphore.js";
import { TypedEmitter } from "../util/typed-emitter.js";
import { distilLessons } from "./distil-lessons.js";
import { groupAdvantages } from "./group-advantages.js";
import type { ContextDeps } from "./group-context.js";
import { buildGroupContext } from "./group-context.js";
import { planGroup } from "./group-plan.js";
import type { ResolvedTrainerOptions } from "./resolve-options.js";
import { resolveOptions } from "./resolve-options.js";
import { runRollout } from "./rollout-runner.js";
import type { StepCounters } from "./step-stats.js";
import { buildStepReport } from "./step-stats.js";
import type { TrainerEvents } from "./trainer-events.js";
import type { LanpoTrainerOptions } from "./trainer-options.js";

/** Options of {@link LanpoTrainer.run}. */
export interface RunOptions {
  /** Steps to run. */
  steps: number;
  /** Problems per step; the batch of step s is a fixed function of (seed, problems, s). */
  batchSize: number;
}

function toSample(r: Rollout, groupSize: number): TrainingSample {
  return {
    rolloutId: r.id,
    groupId: r.groupId,
    groupSize,
    problemId: r.problemId,
    prompt: r.messages,
    originalPrompt: r.originalMessages,
    completion: r.completion,
    reward: r.reward as number,
    advantage: r.advantage as number,
    feedback: r.feedback,
    lessonIds: r.lessonIds,
    ...(r.reflectionId ? { reflectionId: r.reflectionId } : {}),
    policyVersion: r.policyVersion,
    estimator: r.estimator,
    status: r.status === "failed" ? "ok" : r.status,
    finishReason: r.finishReason,
    model: r.model,
  };
}

function checkProblems(problems: readonly Problem[]): void {
  if (!Array.isArray(problems) || problems.length === 0)
    throw new ConfigError("problems", "pass a non-empty array of problems");
  const seen = new Set<string>();
  problems.forEach((p, i) => {
    for (const field of ["id", "question", "answer"] as const) {
      if (typeof p?.[field] !== "string" || p[field].trim() === "") {
        throw new ConfigError(`problems[${i}].${field}`, "must be a non-empty string");
      }
    }
    if (seen.has(p.id))
      throw new ConfigError(`problems[${i}].id`, `"${p.id}" appears twice; problem ids must be unique`);
    seen.add(p.id);
  });
}

/**
 * The LANPO trainer loop (DESIGN.md section 3): for each problem, build a context from the pool
 * (reward-agnostic reflection) and the memory (relevant lessons of other problems), run G rollouts
 * with a feedback mix that always keeps from-scratch ones, verify them, compute group advantages,
 * write the group to the pool, distil lessons, and send the step's samples to the optimizer.
 *
 * @example
 * const trainer = new LanpoTrainer({ policy: new ChatOpenAI({ model }), reward: mathReward });
 * for await (const report of trainer.run(problems, { steps: 10, batchSize: 8 })) console.log(report.meanReward);
 */
export class LanpoTrainer extends TypedEmitter<TrainerEvents> {
  readonly options: ResolvedTrainerOptions;
  readonly pool: ExperiencePool;
  readonly memory: LessonMemory;
  readonly optimizer: Optimizer;
  private readonly guard = new LeakageGuard();
  private nextStep = 0;

  constructor(options: LanpoTrainerOptions) {
    super();
    this.options = resolveOptions(options);
    this.pool = options.pool ?? new InMemoryExperiencePool();
    this.memory = options.memory ?? new ExactLessonMemory(new HashedLexicalEmbeddings());
    this.optimizer = options.optimizer ?? new InMemoryOptimizer();
  }

  /** Leakage-guard blocks since the trainer was made. */
  get leakageBlocks(): number {
    return this.guard.counts.total;
  }

  /**
   * Runs `steps` steps over `problems`, yielding each step's report. Starts by resending batches the
   * optimizer never acknowledged; groups already in the pool are not redone, so calling `run` again
   * with the same pool, seed and problems resumes a run that was killed.
   */
  async *run(problems: readonly Problem[], options: RunOptions): AsyncGenerator<StepReport> {
    checkProblems(problems);
    if (!Number.isInteger(options?.steps) || options.steps < 1)
      throw new ConfigError("steps", "must be an integer >= 1");
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
      throw new ConfigError("batchSize", "must be an integer >= 1");
    const models = [this.options.policy, this.options.reflector, this.options.abstractor];
    const notices = [
      ...new Set(
        models
          .map((m) => (m as { lanpoNotice?: unknown }).lanpoNotice)
          .filter((n): n is string => typeof n === "string"),
      ),
    ];
    this.emit("run-start", {
      runId: this.options.runId,
      steps: options.steps,
      batchSize: options.batchSize,
      problems: problems.length,
      notices,
    });
    await this.optimizer.flush();
    const order = shuffled(problems, rngFor(this.options.seed, "order"));
    const batchSize = Math.min(options.batchSize, order.length);
    for (let step = 0; step < options.steps; step++) {
      const batch = Array.from(
        { length: batchSize },
        (_, i) => order[(step * batchSize + i) % order.length] as Problem,
      );
      yield await this.step(batch, step);
    }
  }

  /**
   * Runs one step over `problems` (DESIGN.md section 3) and reports it. `step` numbers it (and keys
   * resume and batch ids); left out, it is one more than the last step this trainer ran, from 0.
   */
  async step(problems: readonly Problem[], step: number = this.nextStep): Promise<StepReport> {
    checkProblems(problems);
    if (!Number.isInteger(step) || step < 0) throw new ConfigError("step", "must be an integer >= 0");
    this.nextStep = step + 1;
    const started = performance.now();
    const blocksBefore = this.guard.counts.total;
    const counters: StepCounters = {
      step,
      problems: problems.length,
      resumedGroups: 0,
      retrieval: { queries: 0, hits: 0, abstentions: 0 },
      lessons: { added: 0, merged: 0, rejected: 0, unparsed: 0 },
      leakageBlocks: 0,
      stepMs: 0,
      batchId: null,
    };
    const done = await Promise.all(problems.map((p) => this.pool.hasGroup(p.id, step)));
    counters.resumedGroups = done.filter(Boolean).length;
    this.emit("step-start", {
      step,
      problems: problems.length,
      rollouts: (problems.length - counters.resumedGroups) * this.options.groupSize,
    });
    const policyVersion = await this.optimizer.policyVersion();
    const limiter = new Semaphore(this.options.concurrency);
    const settled = await Promise.allSettled(
      problems.map((p, i) =>
        done[i] ? Promise.resolve([]) : this.runGroup(p, step, policyVersion, limiter, counters),
      ),
    );
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failure) throw failure.reason;
    let rollouts = settled.flatMap((s) => (s.status === "fulfilled" ? s.value : []));
    if (counters.resumedGroups > 0) {
      const ids = new Set(problems.map((p) => p.id));
      rollouts = (await this.pool.rolloutsOfStep(step)).filter((r) => ids.has(r.problemId));
    }
    const samples = rollouts.filter((r) => r.status === "ok").map((r) => toSample(r, 1));
    if (samples.length > 0) {
      const batchId = `${this.options.runId}:step-${step}`;
      const result = await this.optimizer.submit({
        batchId,
        runId: this.options.runId,
        step,
        samples,
        createdAtMs: this.options.now(),
      });
      counters.batchId = batchId;
      this.emit("batch-submitted", { step, batchId, status: result.status });
    }
    await this.memory.flush();
    counters.leakageBlocks = this.guard.counts.total - blocksBefore;
    counters.stepMs = performance.now() - started;
    const report = buildStepReport(rollouts, counters);
    this.emit("step-end", { report });
    return report;
  }

  private async runGroup(
    problem: Problem,
    step: number,
    policyVersion: string,
    limiter: Semaphore,
    counters: StepCounters,
  ): Promise<Rollout[]> {
    const { options } = this;
    const deps: ContextDeps = {
      options,
      pool: this.pool,
      memory: this.memory,
      guard: this.guard,
      limiter,
      onBlocked: (problemId, part, sourceId) =>
        this.emit("leakage-blocked", { step, problemId, part, ...(sourceId ? { sourceId } : {}) }),
    };
    const plan = planGroup(options.groupSize, options.mix, rngFor(options.seed, "plan", step, problem.id));
    const context = await buildGroupContext(deps, problem, step, plan);
    if (context.retrieval.queried) {
      counters.retrieval.queries++;
      if (context.retrieval.hit) counters.retrieval.hits++;
      else counters.retrieval.abstentions++;
    }
    const rollouts = await Promise.all(
      plan.map(async (planned, index) => {
        const rollout = await runRollout(
          { problem, step, index, planned, context, policyVersion, groupId: `${options.runId}:${step}:${problem.id}` },
          options,
          limiter,
        );
        this.emit("rollout-end", { step, rollout });
        return rollout;
      }),
    );
    const ok = rollouts.filter((r) => r.status === "ok");
    const advantages = groupAdvantages(
      ok.map((r) => r.reward as number),
      { estimator: options.estimator },
    );
    ok.forEach((r, i) => {
      r.advantage = advantages[i] as number;
    });
    const usedReflection = rollouts.some((r) => r.reflectionId !== undefined);
    await this.pool.recordGroup({
      problemId: problem.id,
      step,
      rollouts,
      reflections: usedReflection && context.reflection ? [context.reflection.record] : [],
    });
    const meanReward = ok.length === 0 ? null : ok.reduce((a, r) => a + (r.reward as number), 0) / ok.length;
    this.emit("group-end", { step, problemId: problem.id, meanReward, rollouts });
    const uses = ok
      .filter((r) => r.lessonIds.length > 0)
      .map((r) => ({ lessonIds: r.lessonIds, advantage: r.advantage as number }));
    if (uses.length > 0) await this.memory.recordUse(uses);
    if (options.distil) {
      const distilled = await distilLessons(problem, rollouts, { options, memory: this.memory, limiter });
      counters.lessons.added += distilled.added;
      counters.lessons.merged += distilled.merged;
      counters.lessons.rejected += distilled.rejected;
      counters.lessons.unparsed += distilled.unparsed;
    }
    return rollouts;
  }
}
