/**
 * Tells whether the model server is down: from the first failed call with no successful call
 * since, until one succeeds. Calls that fail during an outage keep waiting it out (with backoff)
 * up to `maxOutageMs` from its start, so a restarted server is ridden over; a call that fails
 * while others succeed gets only its own retries.
 */
export class OutageTracker {
  #since: number | undefined;
  readonly #now: () => number;
  readonly maxOutageMs: number;

  constructor(maxOutageMs: number, now: () => number = Date.now) {
    this.maxOutageMs = maxOutageMs;
    this.#now = now;
  }

  failed(): void {
    this.#since ??= this.#now();
  }

  succeeded(): void {
    this.#since = undefined;
  }

  /** Whether a failing call should keep waiting: an outage is on and younger than the bound. */
  get waiting(): boolean {
    return this.#since !== undefined && this.#now() - this.#since < this.maxOutageMs;
  }

  /** Milliseconds since the outage began, or 0. */
  get downForMs(): number {
    return this.#since === undefined ? 0 : this.#now() - this.#since;
  }
}
