import { Embeddings, type EmbeddingsParams } from "@langchain/core/embeddings";

/** Options of {@link HashedLexicalEmbeddings}. */
export interface HashedLexicalEmbeddingsOptions extends EmbeddingsParams {
  /**
   * Length of every vector. Features are hashed into this many buckets, so more dimensions mean
   * fewer collisions and more memory.
   * @default 1024
   */
  dimensions?: number;
  /**
   * Weight of word-bigram features relative to single tokens.
   * @default 0.5
   */
  bigramWeight?: number;
  /**
   * Weight of number tokens relative to words. Numbers say little about what a problem is about
   * (two counting problems rarely share their numbers), so they count, but weakly.
   * @default 0.3
   */
  numberWeight?: number;
  /**
   * Weight of each word token, for example an IDF from a general-language word list, so that common
   * words count less. Applied to words only (numbers use `numberWeight`); a bigram gets the geometric
   * mean of its two tokens' weights.
   * @default every word weighs 1
   */
  termWeight?: (token: string) => number;
}

const DEFAULTS = { dimensions: 1024, bigramWeight: 0.5, numberWeight: 0.3, termWeight: (_token: string) => 1 };

// Generic English function words and problem-statement boilerplate ("find", "what", "value"): they
// occur in nearly every question, so without corpus IDF they would dominate every vector. The list is
// general English, not drawn from any evaluation set.
const STOPWORDS = new Set(
  (
    "a an the of to in on at by for from with and or but if then than that this these those is are was " +
    "were be been being it its as so such do does did has have had can could will would should may might " +
    "must shall not no yes all any each some what which who whom whose when where why how there here " +
    "find compute determine calculate express give enter answer value values let suppose given what's " +
    "your you we our us i me my he she they them their his her one also only into out up down over"
  ).split(" "),
);

// LaTeX commands whose meaning is a topic signal get one shared token per family, so `\dfrac` and
// `\frac` (or `\le` and `\leq`) count as the same feature.
const COMMAND_ALIASES: Readonly<Record<string, string>> = {
  dfrac: "frac",
  tfrac: "frac",
  leq: "le",
  geq: "ge",
  ne: "neq",
  left: "",
  right: "",
  text: "",
  textbf: "",
  mathrm: "",
  mathbf: "",
  displaystyle: "",
  quad: "",
  qquad: "",
};

/**
 * Tokenises text that mixes English with LaTeX: words (lower-cased, plural `s` stripped), LaTeX
 * commands as `\name` tokens, numbers as themselves, and a few operator symbols (`^`, `!`, `|`, `=`,
 * `<`, `>`, `%`) that hint at the kind of problem. Stopwords are dropped.
 */
export function lexicalTokens(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /\\([a-zA-Z]+)|(\d+(?:\.\d+)?)|([a-zA-Z]+)|([\^!|=<>%])/g;
  for (const match of text.matchAll(pattern)) {
    const [, command, number, word, symbol] = match;
    if (command !== undefined) {
      const name = COMMAND_ALIASES[command] ?? command;
      if (name !== "") tokens.push(`\\${name}`);
    } else if (number !== undefined) {
      tokens.push(number);
    } else if (word !== undefined) {
      const lower = word.toLowerCase();
      if (STOPWORDS.has(lower)) continue;
      tokens.push(stem(lower));
    } else if (symbol !== undefined) {
      tokens.push(symbol);
    }
  }
  return tokens;
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss") && !word.endsWith("us")) return word.slice(0, -1);
  return word;
}

// FNV-1a, 32 bits: fast, deterministic across runs and platforms, good enough spread for hashing.
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Fast, deterministic lexical embeddings: hashed token and token-bigram features, sublinear term
 * frequency (`1 + ln tf`), a sign hash to cancel collisions on average, and L2 normalisation, so the
 * dot product of two vectors is their cosine similarity. No model, no I/O, no corpus statistics:
 * the same text gives the same vector in every process.
 *
 * Use it for tests, for very large memories, or as the lexical half of a hybrid embedding.
 *
 * @example
 * ```ts
 * const embeddings = new HashedLexicalEmbeddings({ dimensions: 512 });
 * const [a, b] = await embeddings.embedDocuments(["Solve $x^2 = 4$.", "Solve $x^2 = 9$."]);
 * ```
 */
export class HashedLexicalEmbeddings extends Embeddings {
  /** Length of every vector this instance returns. */
  readonly dimensions: number;
  /**
   * The similarity threshold these vectors were calibrated for, the trainer's default
   * `retrieval.minScore`: only 1 in 1,000 pairs of problems from unrelated data sets (GSM8K word
   * problems against AIME/AMC competition problems; texts only, no labels) score above it, at the
   * default options. Re-measure: `node --import tsx --conditions=source scripts/calibrate-min-score.ts --embeddings lexical`.
   */
  readonly lanpoMinScore = 0.23;
  private readonly bigramWeight: number;
  private readonly numberWeight: number;
  private readonly termWeight: (token: string) => number;

  constructor(options: HashedLexicalEmbeddingsOptions = {}) {
    super(options);
    const { dimensions, bigramWeight, numberWeight, termWeight } = { ...DEFAULTS, ...stripUndefined(options) };
    if (!Number.isInteger(dimensions) || dimensions < 1) {
      throw new RangeError(`HashedLexicalEmbeddings: dimensions must be a positive integer, got ${dimensions}`);
    }
    if (!Number.isFinite(bigramWeight) || bigramWeight < 0) {
      throw new RangeError(`HashedLexicalEmbeddings: bigramWeight must be a finite number >= 0, got ${bigramWeight}`);
    }
    if (!Number.isFinite(numberWeight) || numberWeight < 0) {
      throw new RangeError(`HashedLexicalEmbeddings: numberWeight must be a finite number >= 0, got ${numberWeight}`);
    }
    this.dimensions = dimensions;
    this.bigramWeight = bigramWeight;
    this.numberWeight = numberWeight;
    this.termWeight = termWeight;
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    return documents.map((document) => this.embedSync(document));
  }

  async embedQuery(document: string): Promise<number[]> {
    return this.embedSync(document);
  }

  /** The synchronous core, for callers (such as hybrid embeddings) that need no promise. */
  embedSync(text: string): number[] {
    const counts = new Map<string, number>();
    const tokens = lexicalTokens(text);
    for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
    const bigrams = new Map<string, number>();
    for (let i = 1; i < tokens.length; i++) {
      const key = `${tokens[i - 1]} ${tokens[i]}`;
      bigrams.set(key, (bigrams.get(key) ?? 0) + 1);
    }
    const vector = new Float64Array(this.dimensions);
    this.accumulate(vector, counts, 1);
    if (this.bigramWeight > 0) this.accumulate(vector, bigrams, this.bigramWeight);
    let norm = 0;
    for (const x of vector) norm += x * x;
    norm = Math.sqrt(norm);
    // An empty or all-stopword text has no features: return the zero vector rather than NaN.
    return Array.from(vector, (x) => (norm > 0 ? x / norm : 0));
  }

  private featureWeight(feature: string): number {
    if (NUMBER.test(feature)) return this.numberWeight;
    const space = feature.indexOf(" ");
    if (space === -1) return this.tokenWeight(feature);
    return Math.sqrt(this.tokenWeight(feature.slice(0, space)) * this.tokenWeight(feature.slice(space + 1)));
  }

  private tokenWeight(token: string): number {
    if (NUMBER.test(token)) return this.numberWeight;
    if (!/^[a-z]/.test(token)) return 1;
    const weight = this.termWeight(token);
    return Number.isFinite(weight) && weight >= 0 ? weight : 1;
  }

  private accumulate(vector: Float64Array, counts: Map<string, number>, weight: number): void {
    for (const [feature, count] of counts) {
      const featureWeight = weight * this.featureWeight(feature);
      if (featureWeight === 0) continue;
      const hash = fnv1a(feature);
      const sign = hash & 0x80000000 ? -1 : 1;
      const index = (hash & 0x7fffffff) % this.dimensions;
      vector[index] = (vector[index] ?? 0) + sign * featureWeight * (1 + Math.log(count));
    }
  }
}

// A token, or a bigram, made only of numbers: "12", "3.5", "12 7".
const NUMBER = /^[\d. ]+$/;

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
