import { ConfigError } from "../errors/config-error.js";
import { ModelError } from "../errors/model-error.js";
import { LeakageGuard } from "../guard/leakage-guard.js";
import { ExactLessonMemory } from "../memory/exact-lesson-memory.js";
import { HashedLexicalEmbeddings } from "../memory/hashed-lexical-embeddings.js";
import type { LessonMemory } from "../memory/lesson-memory.js";
import { InMemoryOptimizer } from "../optimizer/in-memory-optimizer.js";
import type { Optimizer, PolicyState, TrainingSample } from "../optimizer/optimizer.js";
import type { ExperiencePool } from "../pool/experience-pool.js";
import { InMemoryExperiencePool } from "../pool/in-memory-experience-pool.js";
import type { Rollout } from "../types/attempt.js";
import type { Problem } from "../types/problem.js";
import type { StepReport } from "../types/step-report.js";
import { rngFor, shuffled } from "../util/rng.js";
import { Semaphore } from "../util/semaphore.js";
import { TypedEmitter } from "../util/typed-emitter.js";
import { noticeOf } from "./chat-policy.js";
import { distilLessons } from "./distil-lessons.js";
import { DistilQueue } from "./distil-queue.js";
import { isZeroVariance } from "./group-advantages.js";
import { type GroupDeps, prepareGroup, runGroup } from "./group-runner.js";
import { OutageTracker } from "./outage-tracker.js";
import type { ResolvedTrainerOptions } from "./resolve-options.js";
import { resolveOptions, TRAINER_DEFAULTS } from "./resolve-options.js";
import { buildStepReport, isScored, type StepCounters } from "./step-stats.js";
import { switchModelName } from "./switch-model-name.js";
import { toSample } from "./to-sample.js";
import type { TrainerEvents } from "./trainer-events.js";
import type { LanpoTrainerOptions } from "./trainer-options.js";
import { findTwins, TwinIndex } from "./twin-index.js";

/** Options of {@link LanpoTrainer.run}. */
export interface RunOptions {
  /** Steps to run, counted from step 0: steps the pool has finished already are skipped. */
  steps: number;
  /** Problems per step; the batch of step s is a fixed function of (seed, problems, s). */
  batchSize: number;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
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
 * (reward-agnostic reflection) and the memory (relevant lessons of other problems, never of the
 * problem itself under any id), run G rollouts with a feedback mix that always keeps from-scratch
 * ones, verify them, compute group advantages, write the group to the pool, distil lessons in the
 * background, and send the step's samples to the optimizer once the pool has them durably.
 *
 * @example
 * const trainer = new LanpoTrainer({ policy: new ChatOpenAI({ model }), reward: mathReward });
 * for await (const report of trainer.run(problems, { steps: 10, batchSize: 8 })) console.log(report.meanReward);
 */
export class LanpoTrainer extends TypedEmitter<TrainerEvents> {
  readonly options: ResolvedTrainerOptions & { retrieval: { minScore: number } };
  readonly pool: ExperiencePool;
  readonly memory: LessonMemory;
  readonly optimizer: Optimizer;
  readonly #guard: LeakageGuard;
  readonly #limiter: Semaphore;
  readonly #outage: OutageTracker;
  readonly #twins = new TwinIndex();
  readonly #queue: DistilQueue;
  #runId: string | undefined;
  #nextStep = 0;
  #policyState: PolicyState | undefined;
  #listenerErrors = 0;

  constructor(options: LanpoTrainerOptions) {
    super();
    const resolved = resolveOptions(options);
    this.pool = options.pool ?? new InMemoryExperiencePool();
    this.memory = options.memory ?? new ExactLessonMemory(new HashedLexicalEmbeddings());
    this.optimizer = options.optimizer ?? new InMemoryOptimizer();
    const minScore =
      resolved.retrieval.minScore ?? this.memory.suggestedMinScore ?? TRAINER_DEFAULTS.retrieval.minScore;
    this.options = { ...resolved, retrieval: { ...resolved.retrieval, minScore } };
    this.#guard = new LeakageGuard({ matcher: resolved.matcher });
    this.#limiter = new Semaphore(resolved.concurrency);
    this.#outage = new OutageTracker(resolved.maxOutageMs, resolved.now);
    this.#queue = new DistilQueue(async (groups) => {
      await this.memory.flush();
      await this.pool.markDistilled(groups);
    });
  }

  /** Leakage-guard blocks since the trainer was made. */
  get leakageBlocks(): number {
    return this.#guard.counts.total;
  }

  /** Listeners that threw since the trainer was made (each also reported as `listener-error`). */
  get listenerErrors(): number {
    return this.#listenerErrors;
  }

  /** The run id, once the first step or run has read it from (or stored it in) the pool. */
  get runId(): string | undefined {
    return this.#runId;
  }

  /**
   * Runs steps 0 to `steps - 1` over `problems`, yielding the report of each step it runs. It
   * starts by resending batches the optimizer never acknowledged and distilling groups whose
   * lessons a crash lost; steps the pool has finished are skipped without being read again, and
   * groups of an unfinished step that the pool holds are not redone. So calling `run` again with
   * the same pool, seed and problems resumes a run that was killed, under the run id stored in
   * the pool. Before the last report, background distillation is finished and saved.
   */
  async *run(problems: readonly Problem[], options: RunOptions): AsyncGenerator<StepReport> {
    checkProblems(problems);
    if (!Number.isInteger(options?.steps) || options.steps < 1)
      throw new ConfigError("steps", "must be an integer >= 1");
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
      throw new ConfigError("batchSize", "must be an integer >= 1");
    this.#twins.add(problems);
    const runId = await this.#claimRunId();
    const finished = new Set(await this.pool.finishedSteps());
    const models = [this.options.policy, this.options.reflector, this.options.abstractor];
    const notices = [...new Set(models.map(noticeOf).filter((n): n is string => n !== undefined))];
    const todo = Array.from({ length: options.steps }, (_, s) => s).filter((s) => !finished.has(s));
    this.emit("run-start", {
      runId,
      steps: options.steps,
      batchSize: options.batchSize,
      problems: problems.length,
      notices,
      finishedSteps: options.steps - todo.length,
      twinQuestions: findTwins(problems).length,
    });
    await this.optimizer.flush();
    await this.#redistil(problems);
    const order = shuffled(problems, rngFor(this.options.seed, "order"));
    const batchSize = Math.min(options.batchSize, order.length);
    for (const [i, step] of todo.entries()) {
      const batch = Array.from(
        { length: batchSize },
        (_, j) => order[(step * batchSize + j) % order.length] as Problem,
      );
      yield await this.#step(batch, step, i === todo.length - 1);
    }
    if (todo.length === 0) await this.settle();
  }

  /**
   * Runs one step over `problems` (DESIGN.md section 3) and reports it. `step` numbers it (and keys
   * resume and batch ids); left out, it is one more than the last step this trainer ran, from 0.
   * Lessons distilled from its groups become usable from the next step; call {@link settle} after
   * the last step to finish and save them.
   */
  async step(problems: readonly Problem[], step: number = this.#nextStep): Promise<StepReport> {
    checkProblems(problems);
    if (!Number.isInteger(step) || step < 0) throw new ConfigError("step", "must be an integer >= 0");
    this.#twins.add(problems);
    await this.#claimRunId();
    return this.#step(problems, step, false);
  }

  /** Finishes background distillation and saves its lessons (memory flushed, groups marked distilled). */
  async settle(): Promise<void> {
    await this.#queue.settle();
  }

  protected override onListenerError(event: string, error: unknown): void {
    this.#listenerErrors++;
    if (event === "listener-error") return;
    this.emit("listener-error", { event, error });
  }

  async #claimRunId(): Promise<string> {
    if (this.#runId !== undefined) return this.#runId;
    const candidate = this.options.runId ?? this.options.generateId();
    const stored = await this.pool.claimRunId(candidate);
    if (this.options.runId !== null && stored !== this.options.runId) {
      throw new ConfigError(
        "runId",
        `this pool belongs to run "${stored}", not "${this.options.runId}"; leave runId out to resume that run, or use a new pool for a new run`,
      );
    }
    this.#runId = stored;
    return stored;
  }

  async #step(problems: readonly Problem[], step: number, settleAfter: boolean): Promise<StepReport> {
    this.#nextStep = step + 1;
    const runId = this.#runId as string;
    const started = performance.now();
    const blocksBefore = this.#guard.counts.total;
    const state = await this.#readPolicyState(step);
    const counters: StepCounters = {
      step,
      problems: problems.length,
      resumedGroups: 0,
      retrieval: { queries: 0, hits: 0, abstentions: 0, scores: [] },
      lessons: { added: 0, merged: 0, rejected: 0, unparsed: 0 },
      leakageBlocks: 0,
      stepMs: 0,
      batchId: null,
      policyVersion: state.policyVersion,
    };
    const done = await Promise.all(problems.map((p) => this.pool.hasGroup(p.id, step)));
    counters.resumedGroups = done.filter(Boolean).length;
    this.emit("step-start", {
      step,
      problems: problems.length,
      rollouts: (problems.length - counters.resumedGroups) * this.options.groupSize,
    });
    const deps = this.#groupDeps(step);
    const prepared = problems.map((p, i) => (done[i] ? undefined : prepareGroup(deps, p, step)));
    const settled = await Promise.allSettled(
      problems.map((p, i) => {
        const group = prepared[i];
        return group
          ? runGroup(deps, group, step, runId, state.policyVersion, counters)
          : this.pool.rolloutsOfGroup(p.id, step);
      }),
    );
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failure) throw failure.reason;
    const perGroup = settled.map((s) => (s as PromiseFulfilledResult<Rollout[]>).value);
    const fresh = perGroup.filter((_, i) => !done[i]).flat();
    if (fresh.length > 0 && fresh.every((r) => !isScored(r))) {
      const last = fresh.at(-1)?.error ?? "unknown";
      throw new ModelError(
        `every one of the ${fresh.length} model calls of step ${step} failed, after waiting up to ${seconds(this.options.maxOutageMs)} for the server to answer (last error: ${last}). ` +
          "The run stops here; every group verified before is in the pool: check the model server, then resume the run.",
        { isRetryable: false },
      );
    }
    await this.#submit(step, runId, perGroup, counters);
    await this.pool.markStepFinished(step, counters.batchId);
    if (settleAfter) await this.#queue.settle();
    for (const error of this.#queue.takeErrors()) this.emit("distil-error", { step, error });
    counters.lessons = this.#queue.takeCounts();
    counters.leakageBlocks = this.#guard.counts.total - blocksBefore;
    counters.stepMs = performance.now() - started;
    const report = buildStepReport(perGroup.flat(), counters);
    this.emit("step-end", { report });
    return report;
  }

  /** Makes the step's groups durable, then hands their samples to the optimizer (back-pressure first). */
  async #submit(step: number, runId: string, perGroup: Rollout[][], counters: StepCounters): Promise<void> {
    const samples: TrainingSample[] = [];
    for (const rollouts of perGroup) {
      const scored = rollouts.filter(isScored);
      if (scored.length === 0) continue;
      if (this.options.dropZeroVarianceGroups && isZeroVariance(scored.map((r) => r.reward as number))) continue;
      for (const r of scored) samples.push(toSample(r, scored.length));
    }
    if (samples.length === 0) return;
    // The pool is written before submission, durably (DESIGN.md section 4: nothing verified is lost).
    await this.pool.sync();
    await this.optimizer.waitForCapacity?.({
      onWait: (pending: number) => this.emit("optimizer-waiting", { step, pending }),
    });
    const batchId = `${runId}:step-${step}`;
    const result = await this.optimizer.submit({ batchId, runId, step, samples, createdAtMs: this.options.now() });
    counters.batchId = batchId;
    this.emit("batch-submitted", {
      step,
      batchId,
      status: result.status,
      samples: samples.length,
      ...(result.policyVersion === undefined ? {} : { policyVersion: result.policyVersion }),
      ...(result.servedModel === undefined ? {} : { servedModel: result.servedModel }),
    });
    if (result.policyVersion !== undefined) {
      this.#adoptPolicyState(step, { policyVersion: result.policyVersion, servedModel: result.servedModel });
    }
  }

  async #readPolicyState(step: number): Promise<PolicyState> {
    const state = this.optimizer.policyState
      ? await this.optimizer.policyState()
      : { policyVersion: await this.optimizer.policyVersion() };
    this.#adoptPolicyState(step, state);
    return this.#policyState as PolicyState;
  }

  /** Records the trainer's policy version and, when it names a new model, generates with that. */
  #adoptPolicyState(step: number, state: PolicyState): void {
    const servedModel = state.servedModel ?? this.#policyState?.servedModel;
    const changed = state.servedModel !== undefined && state.servedModel !== this.#policyState?.servedModel;
    this.#policyState = { policyVersion: state.policyVersion, ...(servedModel ? { servedModel } : {}) };
    if (changed && state.servedModel !== undefined) {
      for (const model of new Set([this.options.policy, this.options.reflector, this.options.abstractor])) {
        switchModelName(model, state.servedModel);
      }
      this.emit("policy-model-changed", { step, servedModel: state.servedModel, policyVersion: state.policyVersion });
    }
  }

  #groupDeps(step: number): GroupDeps {
    return {
      options: this.options,
      pool: this.pool,
      memory: this.memory,
      guard: this.#guard,
      limiter: this.#limiter,
      outage: this.#outage,
      twins: this.#twins,
      queue: this.#queue,
      lessonsReady: () => this.#queue.drained(),
      distil: {
        options: this.options,
        memory: this.memory,
        limiter: this.#limiter,
        outage: this.#outage,
        matcher: this.#guard.matcher,
      },
      onBlocked: (problemId, part, sourceId) =>
        this.emit("leakage-blocked", { step, problemId, part, ...(sourceId ? { sourceId } : {}) }),
      emit: (name, payload) => this.emit(name, payload),
    };
  }

  /** Groups a crash left undistilled (stored, lessons not saved) are distilled again on resume. */
  async #redistil(problems: readonly Problem[]): Promise<void> {
    if (!this.options.distil) return;
    const byId = new Map(problems.map((p) => [p.id, p]));
    for (const key of await this.pool.undistilledGroups()) {
      const problem = byId.get(key.problemId);
      if (!problem) continue;
      const rollouts = await this.pool.rolloutsOfGroup(key.problemId, key.step);
      this.#queue.add(key, () => distilLessons(problem, key.step, rollouts, this.#groupDeps(key.step).distil));
    }
  }
}
