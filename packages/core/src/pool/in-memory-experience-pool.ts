import { ConfigError } from "../errors/config-error.js";
import type { PriorAttempt, Rollout } from "../types/attempt.js";
import type { ExperiencePool, GroupKey, PoolStats, VerifiedGroup } from "./experience-pool.js";
import { closedPool, duplicateGroup, duplicateId } from "./pool-storage-errors.js";
import { isPriorAttempt, priorAttemptOf } from "./prior-attempt-of.js";
import { validatePriorAttemptOptions, validateVerifiedGroup } from "./validate-verified-group.js";

const PATH = ":memory:";

/**
 * An {@link ExperiencePool} held in process memory: same contract as the SQLite pool, nothing
 * survives the process. The trainer's default, and what tests use.
 *
 * Groups are deep-copied in and out, so a caller mutating a rollout after recording it (or one it
 * read back) cannot change what the pool holds.
 *
 * @example
 * ```ts
 * const trainer = new LanpoTrainer({ policy, reward, pool: new InMemoryExperiencePool() });
 * ```
 */
export class InMemoryExperiencePool implements ExperiencePool {
  readonly #groups = new Map<string, VerifiedGroup>();
  readonly #rolloutIds = new Set<string>();
  readonly #reflectionIds = new Set<string>();
  readonly #finishedSteps = new Map<number, string | null>();
  readonly #undistilled = new Set<string>();
  #runId: string | undefined;
  #closed = false;

  async recordGroup(group: VerifiedGroup): Promise<void> {
    this.#checkOpen();
    validateVerifiedGroup(group);
    const key = keyOf(group.problemId, group.step);
    if (this.#groups.has(key)) throw duplicateGroup(PATH, group.problemId, group.step);
    for (const rollout of group.rollouts) {
      if (this.#rolloutIds.has(rollout.id)) throw duplicateId(PATH, "rollout", rollout.id);
    }
    for (const reflection of group.reflections) {
      if (this.#reflectionIds.has(reflection.id)) throw duplicateId(PATH, "reflection", reflection.id);
    }
    // Every check is done before the first write: the group goes in whole or not at all.
    this.#groups.set(key, structuredClone(group));
    if (group.distilled === false) this.#undistilled.add(key);
    for (const rollout of group.rollouts) this.#rolloutIds.add(rollout.id);
    for (const reflection of group.reflections) this.#reflectionIds.add(reflection.id);
  }

  async hasGroup(problemId: string, step: number): Promise<boolean> {
    this.#checkOpen();
    return this.#groups.has(keyOf(problemId, step));
  }

  async priorAttempts(problemId: string, options: { beforeStep: number; limit: number }): Promise<PriorAttempt[]> {
    this.#checkOpen();
    validatePriorAttemptOptions(options);
    const rollouts: Rollout[] = [];
    for (const group of this.#groups.values()) {
      if (group.problemId !== problemId || group.step >= options.beforeStep) continue;
      for (const rollout of group.rollouts) if (isPriorAttempt(rollout)) rollouts.push(rollout);
    }
    rollouts.sort((a, b) => b.step - a.step || a.index - b.index);
    return rollouts.slice(0, options.limit).map(priorAttemptOf);
  }

  async rolloutsOfStep(step: number): Promise<Rollout[]> {
    this.#checkOpen();
    const rollouts: Rollout[] = [];
    for (const group of this.#groups.values()) if (group.step === step) rollouts.push(...group.rollouts);
    rollouts.sort((a, b) => compareText(a.problemId, b.problemId) || a.index - b.index);
    return structuredClone(rollouts);
  }

  async lastStep(): Promise<number> {
    this.#checkOpen();
    let last = -1;
    for (const group of this.#groups.values()) last = Math.max(last, group.step);
    return last;
  }

  async stats(): Promise<PoolStats> {
    this.#checkOpen();
    const problems = new Set<string>();
    let rollouts = 0;
    let failedRollouts = 0;
    let unscoredRollouts = 0;
    for (const group of this.#groups.values()) {
      problems.add(group.problemId);
      rollouts += group.rollouts.length;
      failedRollouts += group.rollouts.filter((r) => r.status === "failed").length;
      unscoredRollouts += group.rollouts.filter((r) => r.status === "unscored").length;
    }
    return {
      groups: this.#groups.size,
      rollouts,
      failedRollouts,
      unscoredRollouts,
      reflections: this.#reflectionIds.size,
      problems: problems.size,
    };
  }

  async claimRunId(candidate: string): Promise<string> {
    this.#checkOpen();
    if (typeof candidate !== "string" || candidate === "") throw new ConfigError("runId", "must be a non-empty string");
    this.#runId ??= candidate;
    return this.#runId;
  }

  async markStepFinished(step: number, batchId: string | null): Promise<void> {
    this.#checkOpen();
    if (!Number.isInteger(step) || step < 0) throw new ConfigError("step", `must be an integer >= 0, got ${step}`);
    this.#finishedSteps.set(step, batchId);
  }

  async finishedSteps(): Promise<number[]> {
    this.#checkOpen();
    return [...this.#finishedSteps.keys()].sort((a, b) => a - b);
  }

  async markDistilled(groups: readonly GroupKey[]): Promise<void> {
    this.#checkOpen();
    for (const g of groups) this.#undistilled.delete(keyOf(g.problemId, g.step));
  }

  async undistilledGroups(): Promise<GroupKey[]> {
    this.#checkOpen();
    return [...this.#undistilled]
      .map((key) => this.#groups.get(key) as VerifiedGroup)
      .map((g) => ({ problemId: g.problemId, step: g.step }))
      .sort((a, b) => a.step - b.step || compareText(a.problemId, b.problemId));
  }

  async rolloutsOfGroup(problemId: string, step: number): Promise<Rollout[]> {
    this.#checkOpen();
    const group = this.#groups.get(keyOf(problemId, step));
    return group ? structuredClone([...group.rollouts].sort((a, b) => a.index - b.index)) : [];
  }

  /** Nothing to make durable: this pool lives and dies with the process. */
  async sync(): Promise<void> {
    this.#checkOpen();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #checkOpen(): void {
    if (this.#closed) throw closedPool(PATH);
  }
}

function keyOf(problemId: string, step: number): string {
  return `${step}\u0000${problemId}`;
}

/** Code-unit order, the same order SQLite's default BINARY collation gives. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
