/** Limits of one model call, as planned by {@link planTokenBatches}. */
export interface TokenBatchLimits {
  /** Most texts in one call. */
  maxTexts: number;
  /** Most padded tokens in one call: texts × the longest text's token count. */
  maxPaddedTokens: number;
}

/**
 * Groups texts into model calls by their token counts: sorted longest first (the long calls start
 * first, so parallel workers finish together), each call filled while it stays within `maxTexts` and
 * `maxPaddedTokens`. Neighbours in the sorted order have nearly equal lengths, so little work goes to
 * padding, and short texts share a call so the fixed cost of a call is spread over many. A text longer
 * than the token budget still gets a call of its own. Returns indices into `tokenCounts`.
 */
export function planTokenBatches(tokenCounts: readonly number[], limits: TokenBatchLimits): number[][] {
  const order = [...tokenCounts.keys()].sort((a, b) => (tokenCounts[b] as number) - (tokenCounts[a] as number));
  const batches: number[][] = [];
  let current: number[] = [];
  let longest = 0;
  for (const index of order) {
    const fits =
      current.length < limits.maxTexts && (current.length + 1) * Math.max(longest, 1) <= limits.maxPaddedTokens;
    if (current.length > 0 && !fits) {
      batches.push(current);
      current = [];
    }
    if (current.length === 0) longest = tokenCounts[index] as number;
    current.push(index);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
