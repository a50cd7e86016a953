import type { Semaphore } from "../util/semaphore.js";

/** What a step's model calls take their slots through. */
export type Limiter = Pick<Semaphore, "run">;

/**
 * One step's view of the trainer's shared limiter. When steps overlap, every waiting call of an
 * earlier step goes before any of a later step, so the later step only fills slots the earlier
 * one leaves idle; within a step, critical calls (priority 0) go before rollouts (1).
 */
export function stepLimiter(limiter: Semaphore, step: number): Limiter {
  return { run: (task, priority = 1) => limiter.run(task, step * 2 + priority) };
}
