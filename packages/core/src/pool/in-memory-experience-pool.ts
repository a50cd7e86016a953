import type { PriorAttempt, Rollout } from "../types/attempt.js";
import type { ExperiencePool, PoolStats, VerifiedGroup } from "./experience-pool.js";
import { closedPool, duplicateGroup, duplicateId } from "./pool-storage-errors.js";
import { priorAttemptOf } from "./prior-attempt-of.js";
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
      for (const rollout of group.rollouts) if (rollout.status === "ok") rollouts.push(rollout);
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
    for (const group of this.#groups.values()) {
      problems.add(group.problemId);
      rollouts += group.rollouts.length;
      failedRollouts += group.rollouts.filter((r) => r.status === "failed").length;
    }
    return {
      groups: this.#groups.size,
      rollouts,
      failedRollouts,
      reflections: this.#reflectionIds.size,
      problems: problems.size,
    };
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
