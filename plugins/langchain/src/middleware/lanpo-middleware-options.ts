import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import {
  type AnswerMatcher,
  BuiltinAnswerMatcher,
  type ChatMessageRecord,
  ConfigError,
  type ExperiencePool,
  type LessonMemory,
} from "@lanpo/core";

/** The task an agent run works on, as LANPO keys its memory and pool by it. */
export interface LanpoTask {
  /** Stable id: trials of the same task share it (reflection finds them by it). */
  id: string;
  /** The task statement: the retrieval query and the text reflected on. */
  question: string;
  /** The gold answer when known: only the leakage guard and your `reward` read it. */
  answer?: string;
}

/** A finished agent run, as `reward` and the pool see it. */
export interface LanpoTrial {
  task: LanpoTask;
  /**
   * The agent's final answer: its structured response as JSON when it has a `responseFormat`, the
   * output of a tool that ended the run (`returnDirect`), else the last AI message's text.
   */
  completion: string;
  /** The agent's structured response, when it has a `responseFormat`. */
  structuredResponse?: unknown;
  /** Every message of the run, as plain records. */
  messages: ChatMessageRecord[];
  /** Lessons shown to the model during the run. */
  lessonIds: string[];
  /** The reflection shown, if any. */
  reflectionId: string | null;
}

/** A failure LANPO absorbed so the agent could still answer. */
export interface LanpoFailure {
  /**
   * What failed: finding the task (a custom `task` that threw or returned no id and question),
   * retrieving lessons, reading earlier attempts, reflecting, scoring or recording.
   */
  stage: "task" | "memory" | "pool-read" | "reflect" | "reward" | "pool-write" | "memory-use";
  taskId: string | null;
  error: unknown;
}

/** Options of `lanpoMiddleware`. */
export interface LanpoMiddlewareOptions {
  /** Where lessons come from (ExactLessonMemory, HnswLessonMemory, ...). */
  memory: LessonMemory;
  /** Where trials are recorded and earlier attempts are read. */
  pool: ExperiencePool;
  /** Lessons per run at most. @default 3 */
  k?: number;
  /** Similarity under which a lesson is not shown. @default the memory's `suggestedMinScore`, else 0.9 */
  minScore?: number;
  /**
   * Whether to show a reward-agnostic review of the newest earlier attempt at the same task: `true`
   * has the agent's own model write it, a chat model has that model write it, `false` shows none.
   * @default true
   */
  reflect?: boolean | BaseChatModel;
  /** Record each finished run in the pool. @default true */
  record?: boolean;
  /**
   * Scores a finished run (null: cannot judge). The score is stored with the trial and feeds the
   * measured value of the lessons it was shown. Without it (or when it returns null or throws) a
   * trial is stored `unscored`: no reward and no advantage, so nothing trains on it as a failure.
   */
  reward?: (trial: LanpoTrial) => number | null | Promise<number | null>;
  /**
   * Recognises the gold answer in a lesson or review. Pass `createVerifierAnswerMatcher()` from
   * `@lanpo/verify` for the verifier's grammar. @default new BuiltinAnswerMatcher() (core)
   */
  matcher?: AnswerMatcher;
  /**
   * Which task a run works on. @default the last human message at the start of the run, with an id
   * derived from its `questionKey` (twins share it) and no gold answer
   */
  task?: (input: { messages: readonly BaseMessage[]; context: unknown }) => LanpoTask | undefined;
  /** Characters of the earlier attempt shown and reflected on. @default 4000 */
  maxAttemptChars?: number;
  /**
   * Longest wait, in ms, for each of LANPO's storage and scoring steps (the lesson search, reading
   * the earlier attempt, `reward`, the pool write, the lessons' value). A step that takes longer is
   * given up: the agent goes on without it and the timeout is reported like any failure.
   * @default 10000
   */
  timeoutMs?: number;
  /** Longest wait, in ms, for the review of the earlier attempt (a model call); then none is shown. @default 60000 */
  reflectTimeoutMs?: number;
  /** Told of every failure LANPO absorbed. @default console.warn of a one-line summary */
  onFailure?: (failure: LanpoFailure) => void;
  /** Clock, injectable for tests. @default Date.now */
  now?: () => number;
}

export type ResolvedLanpoMiddlewareOptions = Required<Omit<LanpoMiddlewareOptions, "reward" | "task" | "minScore">> &
  Pick<LanpoMiddlewareOptions, "reward" | "task"> & { minScore: number };

export function resolveLanpoMiddlewareOptions(options: LanpoMiddlewareOptions): ResolvedLanpoMiddlewareOptions {
  if (typeof options?.memory?.search !== "function") {
    throw new ConfigError("memory", "must be a LessonMemory (ExactLessonMemory, HnswLessonMemory, ...)");
  }
  if (typeof options.pool?.recordGroup !== "function" || typeof options.pool.priorAttempts !== "function") {
    throw new ConfigError("pool", "must be an ExperiencePool (InMemoryExperiencePool, SqliteExperiencePool, ...)");
  }
  const resolved = {
    k: 3,
    reflect: true,
    record: true,
    matcher: new BuiltinAnswerMatcher(),
    maxAttemptChars: 4000,
    timeoutMs: 10_000,
    reflectTimeoutMs: 60_000,
    onFailure: warnFailure,
    now: Date.now,
    ...options,
    minScore: options.minScore ?? options.memory.suggestedMinScore ?? 0.9,
  };
  if (!(Number.isInteger(resolved.k) && resolved.k >= 1)) {
    throw new ConfigError("k", `must be an integer >= 1, got ${String(resolved.k)}`);
  }
  if (!(typeof resolved.minScore === "number" && resolved.minScore >= -1 && resolved.minScore <= 1)) {
    throw new ConfigError("minScore", `must be a cosine similarity in [-1, 1], got ${String(resolved.minScore)}`);
  }
  if (typeof resolved.reflect !== "boolean" && typeof resolved.reflect?.invoke !== "function") {
    throw new ConfigError("reflect", "must be true, false or a LangChain chat model");
  }
  if (resolved.reward !== undefined && typeof resolved.reward !== "function") {
    throw new ConfigError("reward", "must be a function (trial) => number | null");
  }
  for (const field of ["timeoutMs", "reflectTimeoutMs"] as const) {
    if (!(Number.isInteger(resolved[field]) && resolved[field] >= 1)) {
      throw new ConfigError(field, `must be a whole number of milliseconds >= 1, got ${String(resolved[field])}`);
    }
  }
  for (const field of ["task", "onFailure", "now"] as const) {
    if (resolved[field] !== undefined && typeof resolved[field] !== "function") {
      throw new ConfigError(field, `must be a function, got ${typeof resolved[field]}`);
    }
  }
  if (typeof resolved.matcher?.mentions !== "function" || typeof resolved.matcher.asserts !== "function") {
    throw new ConfigError("matcher", "must be an AnswerMatcher with mentions(text, answer) and asserts(text, answer)");
  }
  if (typeof resolved.record !== "boolean") {
    throw new ConfigError("record", `must be true or false, got ${String(resolved.record)}`);
  }
  if (!(Number.isInteger(resolved.maxAttemptChars) && resolved.maxAttemptChars >= 16)) {
    throw new ConfigError("maxAttemptChars", `must be an integer >= 16, got ${String(resolved.maxAttemptChars)}`);
  }
  return resolved;
}

function warnFailure(failure: LanpoFailure): void {
  const reason = failure.error instanceof Error ? failure.error.message : String(failure.error);
  console.warn(
    `lanpo: ${failure.stage} failed${failure.taskId ? ` for task ${failure.taskId}` : ""}; the agent ran without it: ${reason}`,
  );
}
