import type { GroupKey } from "../pool/experience-pool.js";
import type { DistilResult } from "./distil-lessons.js";

/** Lesson counts of finished distillations, not yet reported in a step. */
export interface LessonCounts {
  added: number;
  merged: number;
  rejected: number;
  unparsed: number;
}

/**
 * Runs lesson distillation off a step's critical path. Tasks start as soon as their group is
 * stored; `drained()` resolves once every task queued so far has finished, which is what
 * retrieval waits for: a lesson is usable from the step after its group's. After each drain the
 * memory is flushed and the groups marked distilled, in the background and one flush at a time.
 */
export class DistilQueue {
  readonly #running = new Set<Promise<void>>();
  readonly #done: GroupKey[] = [];
  #counts: LessonCounts = { added: 0, merged: 0, rejected: 0, unparsed: 0 };
  #persisting: Promise<void> = Promise.resolve();
  #errors: string[] = [];
  readonly #persist: (groups: GroupKey[]) => Promise<void>;

  constructor(persist: (groups: GroupKey[]) => Promise<void>) {
    this.#persist = persist;
  }

  /** Queues one group's distillation; never rejects (an error is kept for `takeErrors`). */
  add(group: GroupKey, distil: () => Promise<DistilResult>): void {
    const task = distil()
      .then((r) => {
        this.#counts = {
          added: this.#counts.added + r.added,
          merged: this.#counts.merged + r.merged,
          rejected: this.#counts.rejected + r.rejected,
          unparsed: this.#counts.unparsed + r.unparsed,
        };
        if (r.error) this.#errors.push(r.error);
        this.#done.push(group);
      })
      .catch((error: unknown) => {
        this.#errors.push(error instanceof Error ? error.message : String(error));
      })
      .finally(() => {
        this.#running.delete(task);
      });
    this.#running.add(task);
  }

  /** Resolves when every distillation queued so far has finished (lessons are in memory). */
  async drained(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
    this.#schedulePersist();
  }

  /**
   * Resolves when the distillations queued before this call have finished: what a step's
   * retrieval waits for, so it does not also wait for lessons of its own step's groups.
   */
  async drainedNow(): Promise<void> {
    await Promise.all([...this.#running]);
    this.#schedulePersist();
  }

  /** Waits for every distillation and for the memory flush that makes them durable. */
  async settle(): Promise<void> {
    await this.drained();
    await this.#persisting;
  }

  /** Lesson counts since the last call. */
  takeCounts(): LessonCounts {
    const counts = this.#counts;
    this.#counts = { added: 0, merged: 0, rejected: 0, unparsed: 0 };
    return counts;
  }

  /** Abstractor errors since the last call. */
  takeErrors(): string[] {
    const errors = this.#errors;
    this.#errors = [];
    return errors;
  }

  #schedulePersist(): void {
    if (this.#done.length === 0) return;
    const groups = this.#done.splice(0);
    // A failed flush leaves the groups undistilled in the pool: a resumed run distils them again.
    this.#persisting = this.#persisting
      .then(() => this.#persist(groups))
      .catch((error: unknown) => {
        this.#errors.push(`lessons could not be saved: ${error instanceof Error ? error.message : String(error)}`);
      });
  }
}
