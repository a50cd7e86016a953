/** Options of {@link backoffDelayMs}. */
export interface BackoffOptions {
  /** Delay before the first retry. @default 200 */
  initialDelayMs?: number;
  /** Longest delay between two tries. @default 10000 */
  maxDelayMs?: number;
  /** Growth factor per try. @default 2 */
  multiplier?: number;
  /** Source of randomness for the jitter, in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: try `attempt` (0 for the first retry) waits a random time
 * in [delay / 2, delay], where delay = initialDelayMs * multiplier^attempt capped at maxDelayMs.
 * The jitter keeps many clients that failed together from retrying together.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = {}): number {
  const { initialDelayMs, maxDelayMs, multiplier, random } = {
    initialDelayMs: 200,
    maxDelayMs: 10_000,
    multiplier: 2,
    random: Math.random,
    ...options,
  } satisfies Required<BackoffOptions>;
  const delay = Math.min(maxDelayMs, initialDelayMs * multiplier ** Math.max(0, attempt));
  return Math.round(delay / 2 + (delay / 2) * random());
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The wait a `Retry-After` header asks for, in milliseconds: delta-seconds or an HTTP date.
 * Undefined when the header is absent or unreadable.
 */
export function retryAfterMs(header: string | null | undefined, now: () => number = Date.now): number | undefined {
  if (header === null || header === undefined || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}
