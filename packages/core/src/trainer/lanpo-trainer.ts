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
import { isScored, type Rollout } from "../types/attempt.js";
import type { Problem } from "../types/problem.js";
import type { StepReport } from "../types/step-report.js";
import { type Deferred, deferred } from "../util/deferred.js";
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
import { stepLimiter } from "./step-limiter.js";
import { buildStepReport, type StepCounters } from "./step-stats.js";
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
  /** Set while a run stops: groups of an overlapping step that have not started do not start. */
  #stopping = false;
  /** Leakage-guard blocks of each step not yet reported. */
  readonly #blocksOfStep = new Map<number, number>();
  #lastStepEndedAt = 0;

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
    const batchOf = (step: number) =>
      Array.from({ length: batchSize }, (_, j) => order[(step * batchSize + j) % order.length] as Problem);
    const start = (i: number, prev?: StepLink) =>
      this.#startStep(batchOf(todo[i] as number), todo[i] as number, i === todo.length - 1, prev);
    let current = todo.length > 0 ? start(0) : undefined;
    // The step started but not yet reported: stopped and awaited if the caller stops reading.
    let running: RunningStep | undefined = current;
    try {
      for (let i = 0; current; i++) {
        const next = i + 1 < todo.length && this.options.overlapSteps ? start(i + 1, current.link) : undefined;
        running = next;
        let report: StepReport;
        try {
          report = await current.report;
        } catch (error) {
          running = undefined;
          await this.#stopStep(next);
          throw error;
        }
        yield report;
        current = next ?? (i + 1 < todo.length ? start(i + 1) : undefined);
        running = current;
      }
    } finally {
      await this.#stopStep(running);
    }
    if (todo.length === 0) await this.settle();
  }

  /** Lets the groups of `step` that are running finish and be stored; those not yet started are not. */
  async #stopStep(step: RunningStep | undefined): Promise<void> {
    if (!step) return;
    this.#stopping = true;
    await step.report.catch(() => {});
    this.#stopping = false;
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

  /** Starts a step; with `prev`, its groups wait for their problem's group of that step (see `overlapSteps`). */
  #startStep(problems: readonly Problem[], step: number, settleAfter: boolean, prev?: StepLink): RunningStep {
    const groups = new Map(problems.map((p) => [p.id, deferred()]));
    const stored = deferred();
    const finished = deferred();
    const link: StepLink = {
      groupStored: (problemId) => groups.get(problemId)?.promise,
      groupsStored: stored.promise,
      finished: finished.promise,
    };
    const report = this.#step(problems, step, settleAfter, { prev, groups, stored: stored.resolve }).finally(() => {
      for (const group of groups.values()) group.resolve();
      stored.resolve();
      finished.resolve();
    });
    return { link, report };
  }

  async #step(
    problems: readonly Problem[],
    step: number,
    settleAfter: boolean,
    chain?: StepChain,
  ): Promise<StepReport> {
    this.#nextStep = step + 1;
    const prev = chain?.prev;
    const runId = this.#runId as string;
    const started = performance.now();
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
    const deps = this.#groupDeps(step, prev);
    const storedGroup = (p: Problem) => chain?.groups.get(p.id)?.resolve();
    // Without an earlier step in flight every group is prepared first, so the critiques are queued
    // before any rollout; after one, a group starts when its problem's group of that step is stored.
    const prepared = problems.map((p, i) => (done[i] || prev ? undefined : prepareGroup(deps, p, step)));
    const settled = await Promise.allSettled(
      problems.map(async (p, i) => {
        try {
          if (done[i]) return await this.pool.rolloutsOfGroup(p.id, step);
          await prev?.groupStored(p.id);
          if (this.#stopping) throw new Error("the run stopped before this group started");
          const group = prepared[i] ?? prepareGroup(deps, p, step);
          return await runGroup(deps, group, step, runId, state.policyVersion, counters);
        } finally {
          storedGroup(p);
        }
      }),
    );
    chain?.stored();
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
    // Batches go out, and steps are marked finished, in step order.
    await prev?.finished;
    await this.#submit(step, runId, perGroup, counters);
    await this.pool.markStepFinished(step, counters.batchId);
    if (settleAfter) await this.#queue.settle();
    for (const error of this.#queue.takeErrors()) this.emit("distil-error", { step, error });
    counters.lessons = this.#queue.takeCounts();
    // Counted per step, not as the change in the guard's total: an overlapping step blocks too.
    counters.leakageBlocks = this.#blocksOfStep.get(step) ?? 0;
    this.#blocksOfStep.delete(step);
    // What this step added to the run: when steps overlap, timed from the end of the step before.
    const ended = performance.now();
    counters.stepMs = ended - Math.max(started, this.#lastStepEndedAt);
    this.#lastStepEndedAt = ended;
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

  #groupDeps(step: number, prev?: StepLink): GroupDeps {
    const limiter = stepLimiter(this.#limiter, step);
    return {
      options: this.options,
      pool: this.pool,
      memory: this.memory,
      guard: this.#guard,
      limiter,
      outage: this.#outage,
      twins: this.#twins,
      queue: this.#queue,
      // Every group of the step before is stored (its distillation queued) before retrieval waits.
      lessonsReady: async () => {
        await prev?.groupsStored;
        await this.#queue.drainedNow();
      },
      distil: {
        options: this.options,
        memory: this.memory,
        limiter,
        outage: this.#outage,
        matcher: this.#guard.matcher,
      },
      onBlocked: (problemId, part, sourceId) => {
        this.#blocksOfStep.set(step, (this.#blocksOfStep.get(step) ?? 0) + 1);
        this.emit("leakage-blocked", { step, problemId, part, ...(sourceId ? { sourceId } : {}) });
      },
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

/** What a later step waits for of the step before it. */
interface StepLink {
  groupStored(problemId: string): Promise<void> | undefined;
  groupsStored: Promise<void>;
  /** Its batch is submitted and it is marked finished (or it failed). */
  finished: Promise<void>;
}

interface StepChain {
  prev: StepLink | undefined;
  groups: Map<string, Deferred>;
  stored: () => void;
}

interface RunningStep {
  link: StepLink;
  report: Promise<StepReport>;
}
