/**
 * Tells a failing model call whether the server is down rather than refusing just this call: it
 * is down when no call at all has succeeded since the failing call began. A call that has used
 * its retries then keeps waiting the outage out (with backoff), up to `maxOutageMs` from its
 * start, so a restarted server is ridden over; a call that fails while others succeed gets only
 * its own retries.
 */
export class OutageTracker {
  #lastSuccessAt = Number.NEGATIVE_INFINITY;
  #failingSince: number | undefined;
  readonly #now: () => number;
  readonly maxOutageMs: number;

  constructor(maxOutageMs: number, now: () => number = Date.now) {
    this.maxOutageMs = maxOutageMs;
    this.#now = now;
  }

  /** The clock calls measure their start with. */
  now(): number {
    return this.#now();
  }

  failed(): void {
    this.#failingSince ??= this.#now();
  }

  succeeded(): void {
    this.#lastSuccessAt = this.#now();
    this.#failingSince = undefined;
  }

  /** Whether a call that began at `startedAt` and has used its retries should keep waiting. */
  shouldWait(startedAt: number): boolean {
    return this.#lastSuccessAt < startedAt && this.#now() - startedAt < this.maxOutageMs;
  }

  /** Milliseconds since calls began failing with none succeeding, or 0. */
  get downForMs(): number {
    return this.#failingSince === undefined ? 0 : this.#now() - this.#failingSince;
  }
}
