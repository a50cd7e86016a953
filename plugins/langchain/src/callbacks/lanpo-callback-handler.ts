import { randomUUID } from "node:crypto";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import type { ChainValues } from "@langchain/core/utils/types";
import { ConfigError, type ExperiencePool, LanpoError, type Rollout, StorageError } from "@lanpo/core";
import { taskIdOf } from "../middleware/default-task.js";
import type { LanpoTask } from "../middleware/lanpo-middleware-options.js";
import { messageRecords } from "../middleware/message-records.js";
import { messageText } from "../util/message-text.js";
import { scoreTrial, trialStatus } from "../util/score-trial.js";
import { withinTime } from "../util/within-time.js";
import type { ChainTrial, ModelCallRecord } from "./chain-trial.js";
import { plainValue } from "./plain-value.js";

/** Options of {@link LanpoCallbackHandler}. */
export interface LanpoCallbackHandlerOptions {
  /** When given, every finished run whose task is known is also recorded here as a one-rollout group. */
  pool?: ExperiencePool;
  /**
   * The task of a run from its inputs. @default a string input, or the `question`, `input`,
   * `problem` or last human message of an object input, with an id from its `questionKey`
   */
  task?: (inputs: unknown) => LanpoTask | undefined;
  /** The run's answer from its outputs. @default a string output, or its `text`/`output`/`answer`/`content`, or JSON */
  completion?: (outputs: unknown) => string;
  /** Scores a finished run for the pool. Without it, or when it returns null, the run is stored `unscored` (no reward). */
  reward?: (trial: ChainTrial, task: LanpoTask) => number | null | Promise<number | null>;
  /** Told of every finished run. Errors it throws are reported through `onFailure`. */
  onTrial?: (trial: ChainTrial) => void | Promise<void>;
  /** Told when recording a run failed. @default console.warn of a one-line summary */
  onFailure?: (error: unknown, trial: ChainTrial) => void;
  /** Finished runs kept in `trials`, oldest dropped first. @default 1000 */
  maxTrials?: number;
  /**
   * Longest wait, in ms, for `onTrial`, `reward` and the pool write of one run; past it that step is
   * given up and reported through `onFailure` (a trial whose reward timed out is stored `unscored`).
   * @default 10000
   */
  timeoutMs?: number;
  /** Clock, injectable for tests. @default Date.now */
  now?: () => number;
}

interface OpenRun {
  trial: ChainTrial;
  models: Map<string, ModelCallRecord>;
}

/**
 * Records trials from any chain or agent run without changing it: pass it in `callbacks`. Each
 * top-level run becomes a {@link ChainTrial} (inputs, outputs or error, its run id, the model and
 * tool calls inside it), kept in `trials`, handed to `onTrial` and, with a `pool`, stored as a
 * one-rollout group (a failed run as a `failed` rollout).
 *
 * LangChain runs handlers in the background by default, so events may land after `invoke`
 * returns: call `await handler.flush()` (or `awaitAllCallbacks()`) before reading. Nothing it
 * does can fail the chain: every error goes to `onFailure`.
 *
 * @example
 * ```ts
 * const recorder = new LanpoCallbackHandler({ pool });
 * await chain.invoke({ question }, { callbacks: [recorder] });
 * await recorder.flush();
 * ```
 */
export class LanpoCallbackHandler extends BaseCallbackHandler {
  name = "LanpoCallbackHandler";
  readonly trials: ChainTrial[] = [];
  readonly #options: LanpoCallbackHandlerOptions & { maxTrials: number; now: () => number; timeoutMs: number };
  readonly #open = new Map<string, OpenRun>();
  /** Run id -> top-level run id, for every run seen inside an open run. */
  readonly #rootOf = new Map<string, string>();
  readonly #pending = new Set<Promise<void>>();
  readonly #nextStep = new Map<string, number>();

  constructor(options: LanpoCallbackHandlerOptions = {}) {
    super();
    this.#options = { maxTrials: 1000, now: Date.now, timeoutMs: 10_000, ...options };
    if (!(Number.isInteger(this.#options.maxTrials) && this.#options.maxTrials >= 0)) {
      throw new ConfigError("maxTrials", `must be an integer >= 0, got ${String(this.#options.maxTrials)}`);
    }
    if (!(Number.isInteger(this.#options.timeoutMs) && this.#options.timeoutMs >= 1)) {
      throw new ConfigError(
        "timeoutMs",
        `must be a whole number of milliseconds >= 1, got ${String(this.#options.timeoutMs)}`,
      );
    }
    if (options.pool && typeof options.pool.recordGroup !== "function") {
      throw new ConfigError("pool", "must be an ExperiencePool (InMemoryExperiencePool, SqliteExperiencePool, ...)");
    }
    for (const field of ["task", "completion", "reward", "onTrial", "onFailure", "now"] as const) {
      if (options[field] !== undefined && typeof options[field] !== "function") {
        throw new ConfigError(field, `must be a function, got ${typeof options[field]}`);
      }
    }
  }

  /** Resolves once every finished run has been handed to `onTrial` and the pool. */
  async flush(): Promise<void> {
    const { awaitAllCallbacks } = await import("@langchain/core/callbacks/promises");
    await awaitAllCallbacks();
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /**
   * @langchain/core 1.4.0 calls this as `(chain, inputs, runId, parentRunId, tags, metadata,
   * runType, runName)` while its type declares `(chain, inputs, runId, runType, tags, metadata,
   * runName, parentRunId)`; the parent is whichever of the two places holds a run id seen before.
   */
  override handleChainStart(
    chain: unknown,
    inputs: ChainValues,
    runId: string,
    fourth?: string,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    seventh?: string,
    eighth?: string,
  ): void {
    const parent = [fourth, eighth].find((id) => id !== undefined && this.#rootOf.has(id));
    const name = [eighth, seventh].find((n) => typeof n === "string" && n !== "" && !UUID.test(n));
    this.#start(runId, parent, name ?? serializedName(chain) ?? "chain", inputs);
  }

  override handleChainEnd(outputs: ChainValues, runId: string): void {
    this.#end(runId, { outputs });
  }

  override handleChainError(error: Error, runId: string): void {
    this.#end(runId, { error });
  }

  override handleChatModelStart(
    _llm: unknown,
    messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    _extra?: Record<string, unknown>,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    const sent = messages[0] ?? [];
    this.#startModelCall(runId, parentRunId, runName ?? "chat-model", sent, messageRecords(sent));
  }

  /** A completion (non-chat) model: its prompt is recorded as one user message. */
  override handleLLMStart(
    _llm: unknown,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    _extra?: Record<string, unknown>,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    const prompt = prompts[0] ?? "";
    this.#startModelCall(runId, parentRunId, runName ?? "llm", prompt, [{ role: "user", content: prompt }]);
  }

  #startModelCall(
    runId: string,
    parentRunId: string | undefined,
    name: string,
    inputs: unknown,
    messages: ModelCallRecord["messages"],
  ): void {
    const run = this.#start(runId, parentRunId, name, inputs);
    const record: ModelCallRecord = { runId, messages };
    run.trial.modelCalls.push(record);
    run.models.set(runId, record);
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    const run = this.#runOf(runId);
    const record = run?.models.get(runId);
    if (record) {
      const generation = output.generations[0]?.[0] as
        | {
            text?: string;
            message?: BaseMessage & { usage_metadata?: { input_tokens: number; output_tokens: number } };
          }
        | undefined;
      record.output = generation?.text || (generation?.message ? messageText(generation.message) : "");
      const usage = generation?.message?.usage_metadata;
      if (usage) record.usage = { promptTokens: usage.input_tokens, completionTokens: usage.output_tokens };
    }
    this.#end(runId, { outputs: record?.output ?? output.generations[0]?.[0]?.text ?? "" });
  }

  override handleLLMError(error: Error, runId: string): void {
    const record = this.#runOf(runId)?.models.get(runId);
    if (record) record.error = error.message;
    this.#end(runId, { error });
  }

  override handleToolStart(
    _tool: unknown,
    input: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    const run = this.#start(runId, parentRunId, runName ?? "tool", input);
    run.trial.toolCalls.push({ runId, name: runName ?? "tool", input });
  }

  override handleToolEnd(output: unknown, runId: string): void {
    const call = this.#runOf(runId)?.trial.toolCalls.find((c) => c.runId === runId);
    if (call) call.output = plainValue(output);
    this.#end(runId, { outputs: output });
  }

  override handleToolError(error: Error, runId: string): void {
    const call = this.#runOf(runId)?.trial.toolCalls.find((c) => c.runId === runId);
    if (call) call.error = error.message;
    this.#end(runId, { error });
  }

  /** A retriever is a run like any other: inside a chain a child, on its own a trial whose input is its query. */
  override handleRetrieverStart(
    _retriever: unknown,
    query: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    this.#start(runId, parentRunId, name ?? "retriever", query);
  }

  override handleRetrieverEnd(documents: unknown[], runId: string): void {
    this.#end(runId, { outputs: documents });
  }

  override handleRetrieverError(error: Error, runId: string): void {
    this.#end(runId, { error });
  }

  #runOf(runId: string): OpenRun | undefined {
    const root = this.#rootOf.get(runId);
    return root === undefined ? undefined : this.#open.get(root);
  }

  #start(runId: string, parentRunId: string | undefined, name: string, inputs: unknown): OpenRun {
    const root = parentRunId === undefined ? undefined : this.#rootOf.get(parentRunId);
    if (root !== undefined) {
      this.#rootOf.set(runId, root);
      const run = this.#open.get(root) as OpenRun;
      run.trial.childRunIds.push(runId);
      return run;
    }
    const trial: ChainTrial = {
      runId,
      name,
      inputs: plainValue(inputs),
      startedAtMs: this.#options.now(),
      endedAtMs: 0,
      modelCalls: [],
      toolCalls: [],
      childRunIds: [],
    };
    const run = { trial, models: new Map() };
    this.#open.set(runId, run);
    this.#rootOf.set(runId, runId);
    return run;
  }

  #end(runId: string, result: { outputs?: unknown; error?: Error }): void {
    const root = this.#rootOf.get(runId);
    if (root !== runId) return; // a child run: its parent records it
    const run = this.#open.get(runId);
    this.#open.delete(runId);
    for (const [child, parent] of this.#rootOf) if (parent === runId) this.#rootOf.delete(child);
    if (!run) return;
    const { trial } = run;
    trial.endedAtMs = this.#options.now();
    if (result.error) trial.error = { name: result.error.name, message: result.error.message };
    else trial.outputs = plainValue(result.outputs);
    this.trials.push(trial);
    if (this.trials.length > this.#options.maxTrials)
      this.trials.splice(0, this.trials.length - this.#options.maxTrials);
    const done = this.#deliver(trial).finally(() => this.#pending.delete(done));
    this.#pending.add(done);
  }

  async #deliver(trial: ChainTrial): Promise<void> {
    const { onTrial, pool } = this.#options;
    if (onTrial)
      await this.#within("onTrial", () => onTrial(trial)).catch((error: unknown) => this.#fail(error, trial));
    if (pool) await this.#record(trial, pool).catch((error: unknown) => this.#fail(error, trial));
  }

  #fail(error: unknown, trial: ChainTrial): void {
    try {
      (this.#options.onFailure ?? warn)(error, trial);
    } catch {}
  }

  /** One delivery step, given up after `timeoutMs` so `flush()` always returns. */
  #within<T>(what: "onTrial" | "reward" | "experience pool", work: () => T | PromiseLike<T>): Promise<T> {
    const { timeoutMs } = this.#options;
    return withinTime(work, timeoutMs, () => {
      const message = `did not answer within timeoutMs (${timeoutMs} ms); the trial went on without it. Check it, or raise timeoutMs`;
      return what === "experience pool"
        ? new StorageError(what, message, { code: "LANPO_TIMEOUT" })
        : new LanpoError(`${what} ${message}`);
    });
  }

  async #record(trial: ChainTrial, pool: ExperiencePool): Promise<void> {
    const task = (this.#options.task ?? defaultChainTask)(trial.inputs);
    if (!task) return;
    const failed = trial.error !== undefined;
    const completion = failed ? "" : (this.#options.completion ?? defaultCompletion)(trial.outputs);
    const score = this.#options.reward;
    const reward = failed
      ? null
      : await scoreTrial(completion, score && (() => this.#within("reward", () => score(trial, task))), (error) =>
          this.#fail(error, trial),
        );
    const step = this.#nextStep.get(task.id) ?? 0;
    const usage = trial.modelCalls.reduce(
      (sum, c) =>
        c.usage
          ? {
              promptTokens: sum.promptTokens + c.usage.promptTokens,
              completionTokens: sum.completionTokens + c.usage.completionTokens,
            }
          : sum,
      { promptTokens: 0, completionTokens: 0 },
    );
    const lastCall = trial.modelCalls.at(-1);
    const rollout = (s: number): Rollout => ({
      id: `${trial.runId}-${randomUUID().slice(0, 8)}`,
      problemId: task.id,
      step: s,
      index: 0,
      feedback: "scratch",
      messages: lastCall
        ? [...lastCall.messages, { role: "assistant", content: lastCall.output ?? "" }]
        : [{ role: "user", content: task.question }],
      originalMessages: [{ role: "user", content: task.question }],
      completion,
      reward,
      advantage: reward === null ? null : 0,
      lessonIds: [],
      policyVersion: "chain",
      status: trialStatus(failed, reward, completion),
      ...(failed ? { error: `${trial.error?.name}: ${trial.error?.message}` } : {}),
      latencyMs: trial.endedAtMs - trial.startedAtMs,
      ...(usage.promptTokens + usage.completionTokens > 0 ? { usage } : {}),
      feedbackTokens: 0,
      groupId: `${task.id}:${s}`,
      estimator: "drgrpo",
      finishReason: null,
      model: null,
    });
    for (let s = step, tries = 0; ; s++, tries++) {
      try {
        await this.#within("experience pool", () =>
          pool.recordGroup({ problemId: task.id, step: s, rollouts: [rollout(s)], reflections: [] }),
        );
        this.#nextStep.set(task.id, s + 1);
        return;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code !== "LANPO_DUPLICATE_GROUP" || tries >= 8) throw error;
      }
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function serializedName(serialized: unknown): string | undefined {
  const id = (serialized as { id?: unknown } | null)?.id;
  return Array.isArray(id) && typeof id.at(-1) === "string" ? (id.at(-1) as string) : undefined;
}

function defaultChainTask(inputs: unknown): LanpoTask | undefined {
  const question = textOf(inputs, ["question", "input", "problem", "query"]);
  return question ? { id: taskIdOf(question), question } : undefined;
}

function defaultCompletion(outputs: unknown): string {
  const messages = (outputs as { messages?: unknown } | null)?.messages;
  if (Array.isArray(messages)) {
    const last = [...messages].reverse().find((m) => (m as { role?: unknown })?.role === "assistant");
    if (last) return String((last as { content: unknown }).content ?? "");
  }
  return textOf(outputs, ["text", "output", "answer", "content"]) ?? JSON.stringify(outputs ?? "");
}

function textOf(value: unknown, keys: readonly string[]): string | undefined {
  if (typeof value === "string") return value.trim() || undefined;
  if (Array.isArray(value)) {
    const last = [...value].reverse().find((m) => typeof m === "object" && m !== null && "role" in m && "content" in m);
    return last ? textOf((last as { content: unknown }).content, keys) : undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  for (const key of keys) {
    const found = textOf(record[key], keys);
    if (found) return found;
  }
  if (Array.isArray(record.messages)) {
    const human = [...(record.messages as { role?: string; content?: unknown }[])]
      .reverse()
      .find((m) => m?.role === "user");
    if (human) return textOf(human.content, keys);
  }
  if (typeof record.role === "string" && "content" in record) return textOf(record.content, keys);
  return undefined;
}

function warn(error: unknown, trial: ChainTrial): void {
  const reason = error instanceof Error ? error.message : String(error);
  console.warn(
    `lanpo: could not record run ${trial.runId} (${trial.name}); the run itself was not affected: ${reason}`,
  );
}
