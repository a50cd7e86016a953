import type { Problem } from "../types/problem.js";
import { questionKey } from "../util/question-key.js";

/**
 * Which problems are the same question under different ids (twins: the same `questionKey`). A
 * problem must never receive a lesson distilled from any of its twins (DESIGN.md section 4).
 */
export class TwinIndex {
  readonly #idsByKey = new Map<string, string[]>();
  readonly #keyById = new Map<string, string>();

  add(problems: readonly Problem[]): void {
    for (const p of problems) {
      if (this.#keyById.has(p.id)) continue;
      const key = questionKey(p.question);
      this.#keyById.set(p.id, key);
      const ids = this.#idsByKey.get(key);
      if (ids) ids.push(p.id);
      else this.#idsByKey.set(key, [p.id]);
    }
  }

  /** The problem's question key. */
  keyOf(problem: Problem): string {
    return this.#keyById.get(problem.id) ?? questionKey(problem.question);
  }

  /** Ids of every known problem with the same question, the problem's own included. */
  twinIds(problem: Problem): string[] {
    const ids = this.#idsByKey.get(this.keyOf(problem)) ?? [];
    return ids.includes(problem.id) ? ids : [problem.id, ...ids];
  }
}

/**
 * Groups of problems that share their question (two or more ids each), for reporting when a data
 * set is loaded: such problems never receive each other's lessons.
 *
 * @example findTwins(problems).length // how many questions appear under more than one id
 */
export function findTwins(problems: readonly Problem[]): string[][] {
  const byKey = new Map<string, string[]>();
  for (const p of problems) {
    const key = questionKey(p.question);
    byKey.set(key, [...(byKey.get(key) ?? []), p.id]);
  }
  return [...byKey.values()].filter((ids) => ids.length > 1);
}
