/** Options of {@link retryingFetch}. */
export interface RetryingFetchOptions {
  /** Retries after the first try. */
  maxRetries: number;
  /** Longest pause honoured, whatever `Retry-After` asks, in ms. */
  maxRetryDelayMs: number;
  /** Pause before retry i (0-based) when the server gives no `Retry-After`, in ms. */
  backoffMs: (retry: number) => number;
  /** Waits `ms`; injectable so tests can see the pauses without taking them. */
  sleep: (ms: number, signal?: AbortSignal | null) => Promise<void>;
  /** The fetch underneath. */
  fetch: typeof fetch;
}

/** Statuses worth another try: timeout, conflict, rate limit, server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * The pause a reply asks for: `retry-after-ms` (OpenAI), else `Retry-After` in seconds or as an
 * HTTP date; undefined when it asks for none.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get("retry-after-ms"));
  if (headers.has("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function defaultSleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/**
 * A `fetch` that retries a request the server refused for now (408, 409, 429, 5xx) or that never
 * got an answer (connection refused or reset), waiting what `Retry-After` asks (capped), else
 * backing off. The last reply or error is returned as is, so the SDK above turns it into its error.
 * Retrying here rather than in the SDK is what makes `Retry-After` count: LangChain's own retry
 * layer does not read it.
 */
export function retryingFetch(options: RetryingFetchOptions): typeof fetch {
  return async (input, init) => {
    const body = init?.body;
    for (let retry = 0; ; retry++) {
      let response: Response;
      try {
        response = await options.fetch(input, init);
      } catch (error) {
        if (init?.signal?.aborted || retry >= options.maxRetries) throw error;
        await options.sleep(options.backoffMs(retry), init?.signal);
        continue;
      }
      if (!isRetryableStatus(response.status) || retry >= options.maxRetries) return response;
      // A streamed body cannot be sent twice.
      if (body instanceof ReadableStream) return response;
      const asked = retryAfterMs(response.headers);
      await response.body?.cancel().catch(() => {});
      await options.sleep(Math.min(asked ?? options.backoffMs(retry), options.maxRetryDelayMs), init?.signal);
    }
  };
}
