import { randomUUID } from "node:crypto";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { type ChatMessageRecord, type Reflection, type Rollout, StorageError, type TokenUsage } from "@lanpo/core";
import { messageText } from "../util/message-text.js";
import { trialStatus } from "../util/score-trial.js";
import type { LanpoTrial, ResolvedLanpoMiddlewareOptions } from "./lanpo-middleware-options.js";
import { messageRecords } from "./message-records.js";
import type { RunContext } from "./run-context.js";

const DUPLICATE_RETRIES = 8;

/**
 * Turns finished agent runs into verified groups of one rollout and stores them. A trial's
 * advantage is its reward minus the mean reward of the trials this recorder scored so far, itself
 * included (Dr. GRPO's `r - mean` over the recorder's population, since an agent run has no group).
 */
export class TrialRecorder {
  readonly #options: ResolvedLanpoMiddlewareOptions;
  readonly #nextStep = new Map<string, number>();
  #rewardSum = 0;
  #scored = 0;

  constructor(options: ResolvedLanpoMiddlewareOptions) {
    this.#options = options;
  }

  /** The trial of a finished run, as `reward` sees it. */
  trialOf(
    run: RunContext,
    messages: readonly BaseMessage[],
    reflectionId: string | null,
    structuredResponse?: unknown,
  ): LanpoTrial {
    const own = messages.slice(run.firstMessage);
    // An agent with a `responseFormat` answers with its structured response (as JSON); a run that a
    // tool ended (`returnDirect`) with that tool's output; any other run with its last model reply.
    const final = own.at(-1)?.getType() === "tool" ? own.at(-1) : [...own].reverse().find((m) => m.getType() === "ai");
    const structured = structuredResponse === undefined ? undefined : jsonOf(structuredResponse);
    return {
      task: run.task,
      completion: structured ?? messageText(final),
      ...(structured !== undefined ? { structuredResponse } : {}),
      messages: messageRecords(messages),
      lessonIds: run.lessons.map((l) => l.id),
      reflectionId,
    };
  }

  advantageOf(reward: number): number {
    this.#rewardSum += reward;
    this.#scored += 1;
    return reward - this.#rewardSum / this.#scored;
  }

  async record(
    run: RunContext,
    trial: LanpoTrial,
    messages: readonly BaseMessage[],
    /** null: nothing scored the trial, and it is stored `unscored`. */
    scored: { reward: number; advantage: number } | null,
    reflection: { id: string; text: string } | null,
  ): Promise<Rollout> {
    const now = this.#options.now();
    const own = messages.slice(run.firstMessage).filter((m): m is AIMessage => AIMessage.isInstance(m));
    const lastAi = own.at(-1);
    const meta = (lastAi?.response_metadata ?? {}) as { finish_reason?: unknown; model_name?: unknown };
    const shown: ChatMessageRecord[] = [
      ...(run.shownSystem ? [{ role: "system" as const, content: run.shownSystem }] : []),
      ...trial.messages.filter((m) => m.role !== "system"),
    ];
    const original: ChatMessageRecord[] = [
      ...(run.baseSystem ? [{ role: "system" as const, content: run.baseSystem }] : []),
      { role: "user", content: run.task.question },
    ];
    const feedback =
      run.lessons.length > 0 ? (reflection ? "both" : "abstraction") : reflection ? "reflection" : "scratch";
    const feedbackChars = (run.shownSystem?.length ?? 0) - (run.baseSystem?.length ?? 0);
    let step = Math.max(this.#nextStep.get(run.task.id) ?? 0, run.prior ? run.prior.step + 1 : 0);
    for (let tries = 0; ; tries++) {
      const rollout: Rollout = {
        id: randomUUID(),
        problemId: run.task.id,
        step,
        index: 0,
        feedback,
        messages: shown,
        originalMessages: original,
        completion: trial.completion,
        reward: scored?.reward ?? null,
        advantage: scored?.advantage ?? null,
        ...(reflection ? { reflectionId: reflection.id } : {}),
        lessonIds: trial.lessonIds,
        policyVersion: "agent",
        status: trialStatus(false, scored?.reward ?? null, trial.completion),
        latencyMs: Math.max(0, now - run.startedAtMs),
        ...usageOf(own),
        feedbackTokens: Math.max(0, Math.ceil(feedbackChars / 4)),
        groupId: `${run.task.id}:${step}`,
        estimator: "drgrpo",
        finishReason: typeof meta.finish_reason === "string" ? meta.finish_reason : null,
        model: typeof meta.model_name === "string" ? meta.model_name : null,
      };
      const reflections: Reflection[] =
        reflection && run.prior
          ? [
              {
                id: reflection.id,
                problemId: run.task.id,
                attemptId: run.prior.attemptId,
                text: reflection.text,
                createdAtMs: now,
              },
            ]
          : [];
      try {
        await this.#options.pool.recordGroup({ problemId: run.task.id, step, rollouts: [rollout], reflections });
        this.#nextStep.set(run.task.id, step + 1);
        return rollout;
      } catch (error) {
        // Another process (or a concurrent run) took this step: take the next one.
        if (StorageError.isInstance(error) && error.code === "LANPO_DUPLICATE_GROUP" && tries < DUPLICATE_RETRIES) {
          step++;
          continue;
        }
        throw error;
      }
    }
  }
}

function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

export function newReflectionId(): string {
  return `reflection-${randomUUID()}`;
}

function usageOf(messages: readonly AIMessage[]): { usage?: TokenUsage } {
  let promptTokens = 0;
  let completionTokens = 0;
  let any = false;
  for (const m of messages) {
    if (!m.usage_metadata) continue;
    any = true;
    promptTokens += m.usage_metadata.input_tokens;
    completionTokens += m.usage_metadata.output_tokens;
  }
  return any ? { usage: { promptTokens, completionTokens } } : {};
}
