import type { AnswerMatcher } from "../guard/answer-matcher.js";
import type { LessonMemory } from "../memory/lesson-memory.js";
import type { Optimizer } from "../optimizer/optimizer.js";
import type { AttemptSelection, ExperiencePool } from "../pool/experience-pool.js";
import type { RewardFn } from "../reward/reward-fn.js";
import type { ChatPolicy } from "./chat-policy.js";
import type { AdvantageEstimator, StdDevKind } from "./group-advantages.js";

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
   * context gets no lessons (abstain). The paper uses 0.9 with its embedding model. The default is
   * the memory's `suggestedMinScore` (its embeddings' threshold, calibrated on texts of unrelated
   * data sets, never on evaluation labels: `scripts/calibrate-min-score.ts`), else 0.6. Tune yours
   * with `lanpo memory tune`. @default memory.suggestedMinScore ?? 0.6
   */
  minScore: number;
  /**
   * Also exclude lessons whose source question is this similar or more to the target (embedding
   * near-duplicates: the same question reworded). Exact twins (same question after normalising
   * case, spacing and punctuation) are always excluded. @default null (off)
   */
  excludeSimilarAbove: number | null;
}

/** Options of {@link LanpoTrainer}. Only `policy` and `reward` are required. */
export interface LanpoTrainerOptions {
  /** The policy: any LangChain chat model or chat Runnable (after `.withConfig()`, `.bind()`). */
  policy: ChatPolicy;
  /** Scores a completion against the problem's gold answer. The only reader of the gold answer. */
  reward: RewardFn;
  /** Where verified groups are stored. @default new InMemoryExperiencePool() */
  pool?: ExperiencePool;
  /** Where lessons are stored and retrieved. @default new ExactLessonMemory(new HashedLexicalEmbeddings()) */
  memory?: LessonMemory;
  /** Where training batches go. @default new InMemoryOptimizer() */
  optimizer?: Optimizer;
  /**
   * Writes reward-agnostic critiques of earlier attempts. A reflector other than the policy writes
   * text the policy did not, so its critiques go through the leakage guard like lessons.
   * @default the policy
   */
  reflector?: ChatPolicy;
  /** Distils lessons from verified groups. @default the policy */
  abstractor?: ChatPolicy;
  /**
   * Recognises the gold answer in context parts (leakage guard) and in distilled lessons.
   * `@lanpo/verify`'s `createVerifierAnswerMatcher()` knows more forms. @default new BuiltinAnswerMatcher()
   */
  matcher?: AnswerMatcher;
  /** Rollouts per problem (G). @default 8 */
  groupSize?: number;
  /** Feedback mix of each group. @default { reflection: 0.2, abstraction: 0.2, both: 0.1 } (half scratch) */
  mix?: Partial<FeedbackMix>;
  /** Lesson retrieval. @default { k: 3, minScore: memory.suggestedMinScore ?? 0.6, excludeSimilarAbove: null } */
  retrieval?: Partial<RetrievalOptions>;
  /** Which earlier attempt is reflected on; never chosen by reward. @default "most-recent" */
  attemptSelection?: AttemptSelection;
  /** Group advantage estimator. @default "grpo" */
  estimator?: AdvantageEstimator;
  /** Standard deviation `grpo` divides by: unbiased (n - 1, as verl and TRL compute it) or population. @default "unbiased" */
  advantageStd?: StdDevKind;
  /**
   * Leave groups whose rewards are all equal out of the optimizer's batch (DAPO's dynamic
   * sampling); they are still stored in the pool. @default false
   */
  dropZeroVarianceGroups?: boolean;
  /**
   * Which verified groups lessons are distilled from: any group with a success, or only groups
   * holding both successes and failures (the contrast is what a lesson can explain). @default "any-success"
   */
  distillFrom?: "any-success" | "mixed";
  /** Model calls in flight at once, across the whole step; a real inference server takes many. @default 64 */
  concurrency?: number;
  /**
   * In `run`, the next step's groups start while this step's last calls are in flight, so the
   * calls a step's tail leaves idle are used (each call of the earlier step still goes first). A
   * group still waits for its problem's group of the step before (a critique sees that attempt),
   * and retrieval waits for every lesson of the step before. The next step reads the policy
   * version before this step's batch is submitted, so its samples may be one update older; each
   * sample carries the version that generated it. `false`: a step starts when the one before has
   * ended. @default true
   */
  overlapSteps?: boolean;
  /** Per model call. @default 120000 */
  timeoutMs?: number;
  /** Extra tries of a failed model call (so `retries + 1` calls at most, outside an outage). @default 2 */
  retries?: number;
  /** Backoff between tries: `initialMs * 2^i` up to `maxMs`, with jitter. @default { initialMs: 100, maxMs: 5000 } */
  backoff?: { initialMs: number; maxMs: number };
  /**
   * How long calls wait out a model server that stopped answering (every call failing) before
   * giving up; a step in which every call then failed stops the run with a ModelError. @default 60000
   */
  maxOutageMs?: number;
  /** Language feedback added to a prompt is cut to about this many tokens. @default 1024 */
  maxFeedbackTokens?: number;
  /** Distil lessons from each verified group into memory. @default true */
  distil?: boolean;
  /** Seeds every random choice (group plans, attempt selection when random). @default 0 */
  seed?: number;
  /**
   * Instruction shown before every problem: one fixed text, the same for every problem (a text
   * with a placeholder such as `{answer}` is refused). @default DEFAULT_INSTRUCTION
   */
  instruction?: string;
  /**
   * Names this run in batch ids, so batches of different runs never collide at a shared trainer.
   * The first run on a pool stores its id there; a run on the same pool without one resumes under
   * the stored id, and a different one is refused. @default the pool's stored id, else generateId()
   */
  runId?: string;
  /** Clock, injectable for tests. @default Date.now */
  now?: () => number;
  /** Id generator, injectable for tests. @default crypto.randomUUID */
  generateId?: () => string;
}
