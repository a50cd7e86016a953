import { dispatchCustomEvent } from "@langchain/core/callbacks/dispatch";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { type BaseMessage, SystemMessage } from "@langchain/core/messages";
import { ConfigError, LanpoError, LeakageGuard, ModelError, questionKey, StorageError } from "@lanpo/core";
import { createMiddleware } from "langchain";
import { ReflectionChain } from "../chains/reflection-chain.js";
import { guardAllows } from "../guard/guarded-task.js";
import { messageText } from "../util/message-text.js";
import { scoreTrial } from "../util/score-trial.js";
import { truncateText } from "../util/truncate-text.js";
import { withinTime } from "../util/within-time.js";
import { defaultTask } from "./default-task.js";
import { feedbackText } from "./feedback-text.js";
import {
  type LanpoFailure,
  type LanpoMiddlewareOptions,
  type LanpoTask,
  resolveLanpoMiddlewareOptions,
} from "./lanpo-middleware-options.js";
import { type RunContext, RunContexts } from "./run-context.js";
import { newReflectionId, TrialRecorder } from "./trial-recorder.js";

/** Name of the custom callback event that reports a failure LANPO absorbed. */
export const LANPO_FAILURE_EVENT = "lanpo-failure";

/** LangGraph leaves runs with this tag out of `streamMode: "messages"` (its TAG_NOSTREAM). */
const NO_STREAM_TAG = "langsmith:nostream";

/**
 * LANPO for any `createAgent`: one middleware gives an existing agent an experience memory.
 * - On the first model call of a run it retrieves lessons from other, similar tasks (top `k` at or above
 *   `minScore`, never from this task or a twin of it) and finds the newest earlier attempt at this
 *   task in the pool.
 * - Every model call gets them appended to the system message (the agent's own prompt is kept
 *   first and intact), after the leakage guard checked each lesson (and a review by a model other
 *   than the agent's) against the task's gold answer when one is known. The review of the earlier attempt is written without being told
 *   whether the attempt was right.
 * - When the agent finishes (`afterAgent`, after every other middleware had its say) it records the
 *   trial (task, messages, final answer, lessons shown) in the pool, scored by `reward` when given,
 *   and feeds the score into the lessons' measured value. Without a reward (none given, or it
 *   returned null or failed) the trial is stored `unscored`: no reward, no advantage, never a
 *   training sample, yet still an earlier attempt a later run's review can quote.
 *
 * Whatever LANPO's parts do (a memory that throws, a pool that refuses the write), the agent
 * still answers: the failure goes to `onFailure` and a `lanpo-failure` callback event.
 *
 * @example
 * ```ts
 * const agent = createAgent({
 *   model, tools: [calculator], systemPrompt: "You are a careful math tutor.",
 *   middleware: [lanpoMiddleware({ memory, pool, k: 3, minScore: 0.6 })],
 * });
 * ```
 */
export function lanpoMiddleware(options: LanpoMiddlewareOptions) {
  const resolved = resolveLanpoMiddlewareOptions(options);
  const guard = new LeakageGuard({ matcher: resolved.matcher });
  const runs = new RunContexts();
  const recorder = new TrialRecorder(resolved);
  const reviews = new Map<string, Promise<string | null>>();

  const fail = async (stage: LanpoFailure["stage"], task: LanpoTask | undefined, error: unknown) => {
    const failure: LanpoFailure = { stage, taskId: task?.id ?? null, error };
    try {
      resolved.onFailure(failure);
    } catch {}
    try {
      const reason = error instanceof Error ? error.message : String(error);
      await dispatchCustomEvent(LANPO_FAILURE_EVENT, { stage, taskId: failure.taskId, error: reason });
    } catch {
      // Outside a run there is no callback manager to report to; onFailure was told.
    }
  };

  /** A review of the earlier attempt, written once per attempt and reused by every run that shows it. */
  const reviewOf = (run: RunContext, model: unknown): Promise<string | null> => {
    const prior = run.prior as NonNullable<RunContext["prior"]>;
    const cached = reviews.get(prior.attemptId);
    if (cached) return cached;
    const reflector = resolved.reflect === true ? model : resolved.reflect;
    const review = withinTime(
      (signal) =>
        new ReflectionChain({ model: reflector as BaseChatModel, maxAttemptChars: resolved.maxAttemptChars }).invoke(
          { problem: run.task.question, priorAttempts: [{ completion: prior.completion, attemptId: prior.attemptId }] },
          // The review is LANPO's, not the agent's answer: LangGraph's "messages" stream must not show it.
          { signal, tags: [NO_STREAM_TAG, "lanpo:reflect"], runName: "LanpoReflection" },
        ),
      resolved.reflectTimeoutMs,
      () =>
        new ModelError(
          `the review of the earlier attempt took longer than reflectTimeoutMs (${resolved.reflectTimeoutMs} ms); raise reflectTimeoutMs or check the reflector`,
          { isRetryable: true },
        ),
    ).then((r) => r?.text ?? null);
    reviews.set(prior.attemptId, review);
    if (reviews.size > 1000) reviews.delete(reviews.keys().next().value as string);
    review.catch(() => reviews.delete(prior.attemptId));
    return review;
  };

  /**
   * One of LANPO's storage or scoring steps, given up after `timeoutMs`: the agent never waits
   * longer. A storage step's timeout is a `StorageError` with code `LANPO_TIMEOUT`.
   */
  const step = <T>(what: "lesson memory" | "experience pool" | "reward", work: () => T | PromiseLike<T>): Promise<T> =>
    withinTime(
      () => work(),
      resolved.timeoutMs,
      () => {
        const message = `did not answer within timeoutMs (${resolved.timeoutMs} ms); the agent went on without it. Check that it is reachable, or raise timeoutMs`;
        return what === "reward"
          ? new LanpoError(`reward ${message}`)
          : new StorageError(what, message, { code: "LANPO_TIMEOUT" });
      },
    );

  const reflectionFor = (run: RunContext, model: unknown): Promise<{ id: string; text: string } | null> => {
    // As in core's trainer: the policy's own review of its own attempt is not guarded (withholding
    // the reviews that restate the gold answer would show reviews mostly of wrong attempts, which
    // tells the policy it was wrong); a review by another model is.
    const guarded = resolved.reflect !== true;
    run.reflection ??= reviewOf(run, model).then(
      (text) =>
        text && (!guarded || guardAllows(guard, run.task, "critique", text)) ? { id: newReflectionId(), text } : null,
      async (error) => {
        await fail("reflect", run.task, error);
        return null;
      },
    );
    return run.reflection;
  };

  /** LANPO's context for a run: found on its first model call (lessons, earlier attempt). */
  const startRun = async (messages: readonly BaseMessage[], context: unknown): Promise<RunContext | undefined> => {
    let task: LanpoTask | undefined;
    try {
      task = checkTask((resolved.task ?? defaultTask)({ messages, context }));
    } catch (error) {
      await fail("task", undefined, error);
      return undefined;
    }
    if (!task) return undefined;
    const found = task;
    const human = lastHumanIndex(messages);
    const [lessons, prior] = await Promise.all([
      step("lesson memory", () =>
        resolved.memory.search(found.question, {
          k: resolved.k,
          minScore: resolved.minScore,
          excludeProblemIds: [found.id],
          excludeQuestionKeys: [questionKey(found.question)],
        }),
      )
        .then((hits) => listOf(hits, "the lesson memory's search"))
        .catch(async (error: unknown) => {
          await fail("memory", found, error);
          return [];
        }),
      resolved.reflect === false
        ? Promise.resolve([])
        : step("experience pool", () =>
            resolved.pool.priorAttempts(found.id, { beforeStep: Number.MAX_SAFE_INTEGER, limit: 1 }),
          )
            .then((attempts) => listOf(attempts, "the pool's priorAttempts"))
            .catch(async (error: unknown) => {
              await fail("pool-read", found, error);
              return [];
            }),
    ]);
    const ownKey = questionKey(task.question);
    const newest = prior[0];
    return {
      task,
      startedAtMs: resolved.now(),
      firstMessage: human < 0 ? messages.length : human + 1,
      lessons: lessons
        .filter((hit) => typeof hit?.lesson?.text === "string" && Array.isArray(hit.lesson.sourceProblemIds))
        .filter((hit) => !(hit.lesson.sourceQuestionKeys ?? [questionKey(hit.lesson.problemText)]).includes(ownKey))
        .filter((hit) => !hit.lesson.sourceProblemIds.includes(found.id))
        .filter((hit) => guardAllows(guard, found, "lesson", hit.lesson.text))
        .map((hit) => ({ id: hit.lesson.id, text: hit.lesson.text })),
      prior:
        newest && typeof newest.completion === "string" && newest.completion.trim() !== ""
          ? { attemptId: newest.attemptId, completion: newest.completion, step: newest.step }
          : undefined,
      reflection: undefined,
      baseSystem: undefined,
      shownSystem: undefined,
    };
  };

  /** Records a finished run: scores it, feeds its lessons' value, writes the pool. Never throws. */
  const finishRun = async (
    run: RunContext,
    messages: readonly BaseMessage[],
    structuredResponse: unknown,
  ): Promise<void> => {
    const reflection = run.reflection ? await run.reflection : null;
    const trial = recorder.trialOf(run, messages, reflection?.id ?? null, structuredResponse);
    const score = resolved.reward;
    const reward = await scoreTrial(trial.completion, score && (() => step("reward", () => score(trial))), (error) =>
      fail("reward", run.task, error),
    );
    const advantage = reward === null ? null : recorder.advantageOf(reward);
    if (advantage !== null && trial.lessonIds.length > 0) {
      await step("lesson memory", () => resolved.memory.recordUse([{ lessonIds: trial.lessonIds, advantage }])).catch(
        (error: unknown) => fail("memory-use", run.task, error),
      );
    }
    if (resolved.record) {
      const scored = reward === null ? null : { reward, advantage: advantage as number };
      await step("experience pool", () => recorder.record(run, trial, messages, scored, reflection)).catch(
        (error: unknown) => fail("pool-write", run.task, error),
      );
    }
  };

  // The context is prepared inside the first model call, not in `beforeAgent`: that hook would add
  // a graph node to every run for work the model call can do. Recording needs `afterAgent`: only
  // there is the run over, whichever way it ended (a final reply, a tool that returns directly,
  // another middleware's jump to the end), with the messages every other middleware left.
  return createMiddleware({
    name: "LanpoMiddleware",

    wrapModelCall: async (request, handler) => {
      const messages = (request.state as { messages?: BaseMessage[] }).messages ?? request.messages;
      const id = runIdOf(messages, request.runtime);
      if (!id) return handler(request);
      let run = runs.get(id.scope, id.key);
      if (!run) {
        run = await startRun(messages, request.runtime.context);
        if (!run) return handler(request);
        runs.set(id.scope, id.key, run);
      }
      const reflection = run.prior ? await reflectionFor(run, request.model) : null;
      const text = feedbackText(
        run.lessons.map((l) => l.text),
        reflection && run.prior
          ? { attempt: truncateText(run.prior.completion, resolved.maxAttemptChars), review: reflection.text }
          : null,
      );
      // The agent's own system prompt: `systemPrompt`, else a system message leading the input
      // messages. LANPO's text goes after it, in the same message: the model sees one system turn.
      const first = request.messages[0];
      const leading =
        messageText(request.systemMessage).trim() === "" && SystemMessage.isInstance(first) ? first : undefined;
      const base = messageText(leading ?? request.systemMessage);
      run.baseSystem ??= base;
      let reply: Awaited<ReturnType<typeof handler>>;
      if (text === "") {
        run.shownSystem = base;
        reply = await handler(request);
      } else {
        const addition = base.trim() === "" ? text : `\n\n${text}`;
        if (leading) {
          const merged = leading.concat(addition);
          run.shownSystem = messageText(merged);
          reply = await handler({ ...request, messages: [merged, ...request.messages.slice(1)] });
        } else {
          const systemMessage = request.systemMessage.concat(addition);
          run.shownSystem = messageText(systemMessage);
          reply = await handler({ ...request, systemMessage });
        }
      }
      return reply;
    },

    afterAgent: async (state, runtime) => {
      const messages = (state as { messages?: BaseMessage[] }).messages ?? [];
      const id = runIdOf(messages, runtime);
      const run = id && runs.get(id.scope, id.key);
      if (!id || !run) return;
      runs.delete(id.scope, id.key);
      await finishRun(run, messages, (state as { structuredResponse?: unknown }).structuredResponse);
    },
  });
}

/**
 * Which run a hook is in: the human message that started it (its id, which LangGraph's message
 * reducer sets, else the message object itself), within the agent invocation (its stream writer,
 * which tells apart invocations running at the same time). Undefined without a human message.
 */
function runIdOf(messages: readonly BaseMessage[], runtime: unknown): { scope: unknown; key: unknown } | undefined {
  const human = messages[lastHumanIndex(messages)];
  if (!human) return undefined;
  return { scope: (runtime as { writer?: unknown } | undefined)?.writer, key: human.id ?? human };
}

/** A custom `task` may return anything: what LANPO keys on must be there. */
function checkTask(task: LanpoTask | undefined): LanpoTask | undefined {
  if (task === undefined || task === null) return undefined;
  if (typeof task.id !== "string" || task.id === "" || typeof task.question !== "string") {
    throw new ConfigError("task", "must return { id: string, question: string, answer?: string } or undefined");
  }
  if (task.answer !== undefined && typeof task.answer !== "string") {
    throw new ConfigError("task", "must return the gold answer as a string (or leave it out)");
  }
  return task;
}

/** What a memory or pool answered, if it is a list; anything else is reported, not iterated. */
function listOf<T>(value: readonly T[], what: string): readonly T[] {
  if (!Array.isArray(value)) throw new TypeError(`${what} returned ${typeof value}, not an array`);
  return value;
}

function lastHumanIndex(messages: readonly BaseMessage[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.getType() === "human") return i;
  return -1;
}
