import { randomUUID } from "node:crypto";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ConfigError } from "../errors/config-error.js";
import type { AttemptSelection } from "../pool/experience-pool.js";
import { DEFAULT_INSTRUCTION } from "../prompts/rollout-prompt.js";
import type { RewardFn } from "../reward/reward-fn.js";
import type { AdvantageEstimator } from "./group-advantages.js";
import type { FeedbackMix, LanpoTrainerOptions, RetrievalOptions } from "./trainer-options.js";

/** Trainer options with every default applied and every value checked. */
export interface ResolvedTrainerOptions {
  policy: BaseChatModel;
  reward: RewardFn;
  reflector: BaseChatModel;
  abstractor: BaseChatModel;
  groupSize: number;
  mix: FeedbackMix;
  retrieval: RetrievalOptions;
  attemptSelection: AttemptSelection;
  estimator: AdvantageEstimator;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  maxFeedbackTokens: number;
  distil: boolean;
  seed: number;
  instruction: string;
  runId: string;
  now: () => number;
  generateId: () => string;
}

export const TRAINER_DEFAULTS = {
  groupSize: 8,
  mix: { reflection: 0.2, abstraction: 0.2, both: 0.1 },
  retrieval: { k: 3, minScore: 0.6 },
  attemptSelection: "most-recent",
  estimator: "grpo",
  concurrency: 8,
  timeoutMs: 120_000,
  retries: 2,
  maxFeedbackTokens: 1024,
  distil: true,
  seed: 0,
} as const satisfies Partial<Record<keyof ResolvedTrainerOptions, unknown>>;

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

/** Applies defaults once and validates; the pool, memory and optimizer are resolved by the trainer. */
export function resolveOptions(options: LanpoTrainerOptions): ResolvedTrainerOptions {
  if (!options || typeof options !== "object")
    throw new ConfigError("options", "pass an options object with policy and reward");
  if (!options.policy || typeof (options.policy as { invoke?: unknown }).invoke !== "function") {
    throw new ConfigError(
      "policy",
      "must be a LangChain chat model (anything with invoke), e.g. new ChatOpenAI({ ... })",
    );
  }
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
  const retrieval = { ...TRAINER_DEFAULTS.retrieval, ...options.retrieval };
  integer("retrieval.k", retrieval.k, 1);
  if (!Number.isFinite(retrieval.minScore) || retrieval.minScore < -1 || retrieval.minScore > 1) {
    throw new ConfigError("retrieval.minScore", `must be a cosine similarity in [-1, 1], got ${retrieval.minScore}`);
  }
  const attemptSelection = options.attemptSelection ?? TRAINER_DEFAULTS.attemptSelection;
  if (attemptSelection !== "most-recent" && attemptSelection !== "random") {
    throw new ConfigError("attemptSelection", `must be "most-recent" or "random", got "${attemptSelection as string}"`);
  }
  const estimator = options.estimator ?? TRAINER_DEFAULTS.estimator;
  if (!["grpo", "drgrpo", "rloo"].includes(estimator)) {
    throw new ConfigError("estimator", `must be "grpo", "drgrpo" or "rloo", got "${estimator as string}"`);
  }
  const generateId = options.generateId ?? randomUUID;
  return {
    policy: options.policy,
    reward: options.reward,
    reflector: options.reflector ?? options.policy,
    abstractor: options.abstractor ?? options.policy,
    groupSize: integer("groupSize", options.groupSize ?? TRAINER_DEFAULTS.groupSize, 2),
    mix,
    retrieval,
    attemptSelection,
    estimator,
    concurrency: integer("concurrency", options.concurrency ?? TRAINER_DEFAULTS.concurrency, 1),
    timeoutMs: integer("timeoutMs", options.timeoutMs ?? TRAINER_DEFAULTS.timeoutMs, 1),
    retries: integer("retries", options.retries ?? TRAINER_DEFAULTS.retries, 0),
    maxFeedbackTokens: integer(
      "maxFeedbackTokens",
      options.maxFeedbackTokens ?? TRAINER_DEFAULTS.maxFeedbackTokens,
      16,
    ),
    distil: options.distil ?? TRAINER_DEFAULTS.distil,
    seed: integer("seed", options.seed ?? TRAINER_DEFAULTS.seed, 0),
    instruction: options.instruction ?? DEFAULT_INSTRUCTION,
    runId: options.runId ?? generateId(),
    now: options.now ?? Date.now,
    generateId,
  };
}
