/**
 * Bounds how many async tasks run at once. Waiting tasks start by priority (lower first), then in
 * the order they were queued: the trainer puts calls on a step's critical path (critiques, lesson
 * distillation the next retrieval waits for) ahead of rollouts, so the slots stay full.
 */
export class Semaphore {
  #active = 0;
  #sequence = 0;
  readonly #limit: number;
  readonly #waiting: Array<{ priority: number; sequence: number; start: () => void }> = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.#waiting.length;
  }

  async run<T>(task: () => Promise<T>, priority = 1): Promise<T> {
    if (this.#active >= this.#limit) {
      await new Promise<void>((start) => this.#enqueue({ priority, sequence: this.#sequence++, start }));
    }
    this.#active++;
    try {
      return await task();
    } finally {
      this.#active--;
      this.#waiting.shift()?.start();
    }
  }

  /** Keeps `#waiting` sorted by (priority, sequence); queues are short, so insertion is linear. */
  #enqueue(entry: { priority: number; sequence: number; start: () => void }): void {
    let i = this.#waiting.length;
    while (i > 0 && (this.#waiting[i - 1] as { priority: number }).priority > entry.priority) i--;
    this.#waiting.splice(i, 0, entry);
  }
}
