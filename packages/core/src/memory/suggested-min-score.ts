/**
 * The similarity threshold an embeddings object says it was calibrated for: its own numeric
 * `lanpoMinScore` property (set by `@lanpo/memory`'s `defaultEmbeddings()` and by
 * {@link HashedLexicalEmbeddings}; see `scripts/calibrate-min-score.ts` for how), or undefined.
 */
export function suggestedMinScoreOf(embeddings: unknown): number | undefined {
  const value = (embeddings as { lanpoMinScore?: unknown } | null | undefined)?.lanpoMinScore;
  return typeof value === "number" && Number.isFinite(value) && value >= -1 && value <= 1 ? value : undefined;
}
