import { EmbeddingsError } from "./embeddings-error.js";

const isVector = (x: unknown): x is number[] =>
  Array.isArray(x) && x.length > 0 && x.every((n) => typeof n === "number" && Number.isFinite(n));

function meanPool(tokens: number[][]): number[] {
  const out = new Array<number>(tokens[0]?.length ?? 0).fill(0);
  for (const token of tokens) {
    for (const [i, x] of token.entries()) out[i] = (out[i] ?? 0) + x / tokens.length;
  }
  return out;
}

/**
 * Checks a feature-extraction answer and returns one vector per text: `number[][]` as is, a
 * token-level `number[][][]` mean-pooled over tokens, a bare `number[]` for a single text. Vectors
 * must be non-empty, finite and of one dimension; anything else throws a non-retryable
 * {@link EmbeddingsError} naming the endpoint.
 */
export function parseFeatureVectors(output: unknown, count: number, endpoint: string): number[][] {
  const bad = (why: string) =>
    new EmbeddingsError(endpoint, `unusable feature-extraction answer: ${why}. Is this an embedding model?`, {
      isRetryable: false,
    });
  if (!Array.isArray(output)) throw bad(`expected a list of vectors, got ${typeof output}`);
  let vectors: number[][];
  if (count === 1 && isVector(output)) vectors = [output];
  else if (output.every(isVector)) vectors = output;
  else if (output.every((row) => Array.isArray(row) && row.length > 0 && row.every(isVector)))
    vectors = (output as number[][][]).map(meanPool);
  else throw bad("expected number[][] (one vector per text) or number[][][] (token vectors)");
  if (vectors.length !== count) throw bad(`${vectors.length} vectors for ${count} texts`);
  const dims = vectors[0]?.length;
  if (vectors.some((v) => v.length !== dims)) throw bad("vectors of different dimensions in one answer");
  return vectors;
}
