/**
 * Runs `work` and waits for it at most `timeoutMs`. A throw, synchronous or not, rejects; so does
 * the timeout, with `onTimeout()`'s error, after aborting the signal `work` was given (a model
 * call or fetch that honours it stops; anything else is simply no longer waited for).
 */
export function withinTime<T>(
  work: (signal: AbortSignal) => T | PromiseLike<T>,
  timeoutMs: number,
  onTimeout: () => Error,
): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = onTimeout();
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    Promise.resolve()
      .then(() => work(controller.signal))
      .then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
  });
}
