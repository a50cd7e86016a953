import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { LessonMemory } from "../memory/lesson-memory.js";
import type { Optimizer } from "../optimizer/optimizer.js";
import type { AttemptSelection, ExperiencePool } from "../pool/experience-pool.js";
import type { RewardFn } from "../reward/reward-fn.js";
import type { AdvantageEstimator } from "./group-advantages.js";

/**
 * Share of each group's rollouts per feedback kind. `scratch` is what is left after the others and
 * must stay above zero: every group keeps from-scratch rollouts so the policy still works without
 * the pool (DESIGN.md section 3, point 2).
 */
export interface FeedbackMix {
  /** @default 0.2 */
  reflection: number;
  /** @default 0.2 */
  abstraction: number;
  /** @default 0.1 */
  both: number;
}

/** How lessons are retrieved for a problem. */
export interface RetrievalOptions {
  /** At most this many lessons per context. @default 3 */
  k: number;
  /**
   * Cosine similarity of problem texts below which a lesson is irrelevant; when none is above it the
   * context gets no lessons (abstain). The paper uses 0.9 with its embedding model; tune yours with
   * `lanpo memory tune`. @default 0.6
   */
  minScore: number;
}

/** Options of {@link LanpoTrainer}. Only `policy` and `reward` are required. */
export interface LanpoTrainerOptions {
  /** The policy: any LangChain chat model. */
  policy: BaseChatModel;
  /** Scores a completion against the problem's gold answer. The only reader of the gold answer. */
  reward: RewardFn;
  /** Where verified groups are stored. @default new InMemoryExperiencePool() */
  pool?: ExperiencePool;
  /** Where lessons are stored and retrieved. @default new ExactLessonMemory(new HashedLexicalEmbeddings()) */
  memory?: LessonMemory;
  /** Where training batches go. @default new InMemoryOptimizer() */
  optimizer?: Optimizer;
  /** Writes reward-agnostic critiques of earlier attempts. @default the policy */
  reflector?: BaseChatModel;
  /** Distils lessons from verified groups. @default the policy */
  abstractor?: BaseChatModel;
  /** Rollouts per problem (G). @default 8 */
  groupSize?: number;
  /** Feedback mix of each group. @default { reflection: 0.2, abstraction: 0.2, both: 0.1 } (half scratch) */
  mix?: Partial<FeedbackMix>;
  /** Lesson retrieval. @default { k: 3, minScore: 0.6 } */
  retrieval?: Partial<RetrievalOptions>;
  /** Which earlier attempt is reflected on; never chosen by reward. @default "most-recent" */
  attemptSelection?: AttemptSelection;
  /** Group advantage estimator. @default "grpo" */
  estimator?: AdvantageEstimator;
  /** Model calls in flight at once, across the whole step. @default 8 */
  concurrency?: number;
  /** Per model call. @default 120000 */
  timeoutMs?: number;
  /** Extra tries of a failed model call (so `retries + 1` calls at most). @default 2 */
  retries?: number;
  /** Language feedback added to a prompt is cut to about this many tokens. @default 1024 */
  maxFeedbackTokens?: number;
  /** Distil lessons from each verified group into memory. @default true */
  distil?: boolean;
  /** Seeds every random choice (group plans, attempt selection when random). @default 0 */
  seed?: number;
  /** Instruction shown before every problem. @default DEFAULT_INSTRUCTION */
  instruction?: string;
  /** Names this run in batch ids, so batches of different runs never collide at a shared trainer;
   * pass the same id to resume. @default generateId() */
  runId?: string;
  /** Clock, injectable for tests. @default Date.now */
  now?: () => number;
  /** Id generator, injectable for tests. @default crypto.randomUUID */
  generateId?: () => string;
}
