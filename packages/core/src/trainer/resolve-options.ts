import { randomUUID } from "node:crypto";
import { ConfigError } from "../errors/config-error.js";
import type { AnswerMatcher } from "../guard/answer-matcher.js";
import { BuiltinAnswerMatcher } from "../guard/builtin-answer-matcher.js";
import type { AttemptSelection } from "../pool/experience-pool.js";
import { DEFAULT_INSTRUCTION } from "../prompts/rollout-prompt.js";
import type { RewardFn } from "../reward/reward-fn.js";
import type { ChatPolicy } from "./chat-policy.js";
import type { AdvantageEstimator, StdDevKind } from "./group-advantages.js";
import type { FeedbackMix, LanpoTrainerOptions, RetrievalOptions } from "./trainer-options.js";

/** Trainer options with every default applied and every value checked. */
export interface ResolvedTrainerOptions {
  policy: ChatPolicy;
  reward: RewardFn;
  reflector: ChatPolicy;
  abstractor: ChatPolicy;
  /** Whether the reflector is another model than the policy (its critiques are then guarded). */
  separateReflector: boolean;
  matcher: AnswerMatcher;
  groupSize: number;
  mix: FeedbackMix;
  /** `minScore` is null until the trainer knows its memory (its suggested threshold is the default). */
  retrieval: Omit<RetrievalOptions, "minScore"> & { minScore: number | null };
  attemptSelection: AttemptSelection;
  estimator: AdvantageEstimator;
  advantageStd: StdDevKind;
  dropZeroVarianceGroups: boolean;
  distillFrom: "any-success" | "mixed";
  concurrency: number;
  overlapSteps: boolean;
  timeoutMs: number;
  retries: number;
  backoff: { initialMs: number; maxMs: number };
  maxOutageMs: number;
  maxFeedbackTokens: number;
  distil: boolean;
  seed: number;
  instruction: string;
  /** The id asked for; null lets the pool's stored id (or a new one) name the run. */
  runId: string | null;
  now: () => number;
  generateId: () => string;
}

export const TRAINER_DEFAULTS = {
  groupSize: 8,
  mix: { reflection: 0.2, abstraction: 0.2, both: 0.1 },
  retrieval: { k: 3, minScore: 0.6, excludeSimilarAbove: null },
  attemptSelection: "most-recent",
  estimator: "grpo",
  advantageStd: "unbiased",
  dropZeroVarianceGroups: false,
  distillFrom: "any-success",
  concurrency: 64,
  overlapSteps: true,
  timeoutMs: 120_000,
  retries: 2,
  backoff: { initialMs: 100, maxMs: 5000 },
  maxOutageMs: 60_000,
  maxFeedbackTokens: 1024,
  distil: true,
  seed: 0,
} as const satisfies Partial<Record<keyof ResolvedTrainerOptions, unknown>>;

function boolean(field: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new ConfigError(field, `must be true or false, got ${String(value)}`);
  return value;
}

function integer(field: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw new ConfigError(field, `must be an integer >= ${min}, got ${value}`);
  return value;
}

function fraction(field: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new ConfigError(field, `must be a number in [0, 1], got ${value}`);
  return value;
}

function chatPolicy(field: string, value: unknown): ChatPolicy {
  if (!value || typeof (value as { invoke?: unknown }).invoke !== "function") {
    throw new ConfigError(
      field,
      "must be a LangChain chat model or chat Runnable (anything with invoke), e.g. new ChatOpenAI({ ... })",
    );
  }
  return value as ChatPolicy;
}

function oneOf<T extends string>(field: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) {
    throw new ConfigError(field, `must be ${allowed.map((a) => `"${a}"`).join(" or ")}, got "${String(value)}"`);
  }
  return value;
}

/**
 * A placeholder (`{answer}`, `{{gold}}`, `${label}`, `%(answer)s`) says the instruction was meant to
 * vary per problem; LaTeX groups such as `\boxed{}` or `\frac{a}{b}` are text.
 */
const PLACEHOLDER = /\{\{[^{}]*\}\}|\$\{[^{}]*\}|%\([A-Za-z_]\w*\)[sd]|(?<![\\A-Za-z}^_])\{\s*[A-Za-z_][\w.-]*\s*\}/;

/**
 * The instruction is one fixed text for every problem (DESIGN.md section 4, issue 8): a prompt
 * that varied with the answer would carry the label into the training data.
 */
function fixedInstruction(value: unknown): string {
  if (value === undefined) return DEFAULT_INSTRUCTION;
  if (typeof value !== "string") {
    throw new ConfigError(
      "instruction",
      `must be one fixed text for every problem, got a ${typeof value}; write the instruction out as a string`,
    );
  }
  const placeholder = PLACEHOLDER.exec(value)?.[0];
  if (placeholder !== undefined) {
    throw new ConfigError(
      "instruction",
      `contains the placeholder ${placeholder}; the instruction is one fixed text for every problem and is never filled in per problem: remove it`,
    );
  }
  return value;
}

/** Applies defaults once and validates; the pool, memory and optimizer are resolved by the trainer. */
export function resolveOptions(options: LanpoTrainerOptions): ResolvedTrainerOptions {
  if (!options || typeof options !== "object")
    throw new ConfigError("options", "pass an options object with policy and reward");
  const policy = chatPolicy("policy", options.policy);
  if (typeof options.reward !== "function") {
    throw new ConfigError(
      "reward",
      "must be a function (problem, completion) => number, e.g. mathReward from @lanpo/verify",
    );
  }
  const mix = { ...TRAINER_DEFAULTS.mix, ...options.mix };
  for (const key of ["reflection", "abstraction", "both"] as const) fraction(`mix.${key}`, mix[key]);
  if (mix.reflection + mix.abstraction + mix.both >= 1) {
    throw new ConfigError(
      "mix",
      "reflection + abstraction + both must stay below 1: every group keeps from-scratch rollouts",
    );
  }
  const retrieval = {
    k: options.retrieval?.k ?? TRAINER_DEFAULTS.retrieval.k,
    minScore: options.retrieval?.minScore ?? null,
    excludeSimilarAbove: options.retrieval?.excludeSimilarAbove ?? null,
  };
  integer("retrieval.k", retrieval.k, 1);
  for (const field of ["minScore", "excludeSimilarAbove"] as const) {
    const value = retrieval[field];
    if (value !== null && (!Number.isFinite(value) || value < -1 || value > 1)) {
      throw new ConfigError(`retrieval.${field}`, `must be a cosine similarity in [-1, 1], got ${value}`);
    }
  }
  const matcher = options.matcher ?? new BuiltinAnswerMatcher();
  if (typeof matcher.mentions !== "function" || typeof matcher.asserts !== "function") {
    throw new ConfigError("matcher", "must implement AnswerMatcher: mentions(text, answer) and asserts(text, answer)");
  }
  const backoff = { ...TRAINER_DEFAULTS.backoff, ...options.backoff };
  integer("backoff.initialMs", backoff.initialMs, 0);
  integer("backoff.maxMs", backoff.maxMs, backoff.initialMs);
  const reflector = options.reflector === undefined ? policy : chatPolicy("reflector", options.reflector);
  const generateId = options.generateId ?? randomUUID;
  if (options.runId !== undefined && (typeof options.runId !== "string" || options.runId === "")) {
    throw new ConfigError("runId", "must be a non-empty string, or left out to use the pool's stored id");
  }
  return {
    policy,
    reward: options.reward,
    reflector,
    abstractor: options.abstractor === undefined ? policy : chatPolicy("abstractor", options.abstractor),
    separateReflector: reflector !== policy,
    matcher,
    groupSize: integer("groupSize", options.groupSize ?? TRAINER_DEFAULTS.groupSize, 2),
    mix,
    retrieval,
    attemptSelection: oneOf("attemptSelection", options.attemptSelection ?? TRAINER_DEFAULTS.attemptSelection, [
      "most-recent",
      "random",
    ] as const),
    estimator: oneOf("estimator", options.estimator ?? TRAINER_DEFAULTS.estimator, ["grpo", "drgrpo", "rloo"] as const),
    advantageStd: oneOf("advantageStd", options.advantageStd ?? TRAINER_DEFAULTS.advantageStd, [
      "unbiased",
      "population",
    ] as const),
    dropZeroVarianceGroups: options.dropZeroVarianceGroups ?? TRAINER_DEFAULTS.dropZeroVarianceGroups,
    distillFrom: oneOf("distillFrom", options.distillFrom ?? TRAINER_DEFAULTS.distillFrom, [
      "any-success",
      "mixed",
    ] as const),
    concurrency: integer("concurrency", options.concurrency ?? TRAINER_DEFAULTS.concurrency, 1),
    overlapSteps: boolean("overlapSteps", options.overlapSteps ?? TRAINER_DEFAULTS.overlapSteps),
    timeoutMs: integer("timeoutMs", options.timeoutMs ?? TRAINER_DEFAULTS.timeoutMs, 1),
    retries: integer("retries", options.retries ?? TRAINER_DEFAULTS.retries, 0),
    backoff,
    maxOutageMs: integer("maxOutageMs", options.maxOutageMs ?? TRAINER_DEFAULTS.maxOutageMs, 0),
    maxFeedbackTokens: integer(
      "maxFeedbackTokens",
      options.maxFeedbackTokens ?? TRAINER_DEFAULTS.maxFeedbackTokens,
      16,
    ),
    distil: options.distil ?? TRAINER_DEFAULTS.distil,
    seed: integer("seed", options.seed ?? TRAINER_DEFAULTS.seed, 0),
    instruction: fixedInstruction(options.instruction),
    runId: options.runId ?? null,
    now: options.now ?? Date.now,
    generateId,
  };
}
