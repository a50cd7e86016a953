import type { CallbackManagerForChainRun } from "@langchain/core/callbacks/manager";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, isBaseMessage, SystemMessage } from "@langchain/core/messages";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { Runnable, type RunnableConfig } from "@langchain/core/runnables";
import {
  ABSTRACTION_SYSTEM_PROMPT,
  ABSTRACTION_USER_TEMPLATE,
  type AnswerMatcher,
  BuiltinAnswerMatcher,
  ConfigError,
  type LessonDraft,
  ModelError,
  type Problem,
  type Rollout,
} from "@lanpo/core";
import { statusOf } from "../models/to-model-error.js";
import { messageText } from "../util/message-text.js";
import { truncateText } from "../util/truncate-text.js";
import { lessonListSchema, parseLessonReply } from "./parse-lesson-reply.js";

/** One attempt as the abstractor sees it: distillation may know the outcome, reflection never. */
export interface GradedAttemptInput {
  completion: string;
  correct: boolean;
}

/**
 * Input of {@link AbstractionChain}: the problem (with its gold answer, which only the rejection
 * check reads) and its verified attempts, given either as graded attempts or as a verified group's
 * rollouts (an `ok` rollout with reward > 0 counts as correct, as in core's trainer).
 */
export type AbstractionInput =
  | { problem: Problem; attempts: readonly GradedAttemptInput[] }
  | { problem: Problem; group: { rollouts: readonly Pick<Rollout, "completion" | "reward" | "status" | "index">[] } };

/** What the chain did with one verified group. */
export interface AbstractionResult {
  /** Lessons ready for `LessonMemory.add`, sourced to this problem. */
  lessons: LessonDraft[];
  /** Lessons the model wrote that restate the gold answer, and were dropped. */
  rejected: string[];
  /** How the reply was read: `structured` (tool call), `text` (JSON or bullets), or `unparsed`. */
  parsedAs: "structured" | "text" | "unparsed";
  /** Why no model call was made (no correct attempt to learn from); absent when one was. */
  skipped?: "no-correct-attempt";
}

/** Options of {@link AbstractionChain}. */
export interface AbstractionChainOptions {
  model: BaseChatModel;
  /**
   * Recognises the gold answer in a lesson, in any form it knows. Pass `createVerifierAnswerMatcher()`
   * from `@lanpo/verify` for math answers. @default new BuiltinAnswerMatcher() (core)
   */
  matcher?: AnswerMatcher;
  /**
   * `auto` asks for structured output (a zod tool schema) when the model can call tools and reads
   * text otherwise; `text` never binds tools. @default "auto"
   */
  output?: "auto" | "text";
  /** Lessons kept from one reply. @default 3 */
  maxLessons?: number;
  /** Longest lesson kept, in characters. @default 400 */
  maxLessonChars?: number;
  /** Characters of each attempt shown. @default 4000 */
  maxAttemptChars?: number;
  /** Attempts shown per outcome (correct, incorrect). @default 2 */
  attemptsPerOutcome?: number;
}

/** The prompt of every distillation: core's fixed system text and user template. */
export const abstractionPrompt = ChatPromptTemplate.fromMessages([
  new SystemMessage(ABSTRACTION_SYSTEM_PROMPT),
  ["human", ABSTRACTION_USER_TEMPLATE],
]);

const TOOL_NAME = "record_lessons";

/**
 * A `Runnable` from a verified group to lessons for *other* problems. Where the model can call
 * tools it is asked for `{ lessons: string[] }` through a zod schema; otherwise (or when the call
 * comes back as text) a tolerant parser reads JSON or bulleted lines. Every lesson that restates
 * the gold answer, in any form the matcher recognises, is rejected. Groups with no correct attempt
 * are not distilled (lessons from failures alone teach guesses) and make no model call.
 *
 * @example
 * ```ts
 * const distil = new AbstractionChain({ model, matcher: createVerifierAnswerMatcher() });
 * const { lessons } = await distil.invoke({ problem, group });
 * await memory.add(lessons);
 * ```
 */
export class AbstractionChain extends Runnable<AbstractionInput, AbstractionResult> {
  lc_namespace = ["lanpo", "chains"];
  readonly #options: Required<AbstractionChainOptions>;

  static override lc_name(): string {
    return "AbstractionChain";
  }

  constructor(options: AbstractionChainOptions) {
    super();
    const resolved = {
      matcher: new BuiltinAnswerMatcher(),
      output: "auto",
      maxLessons: 3,
      maxLessonChars: 400,
      maxAttemptChars: 4000,
      attemptsPerOutcome: 2,
      ...options,
    } satisfies Required<AbstractionChainOptions>;
    if (typeof resolved.model?.invoke !== "function") throw new ConfigError("model", "must be a LangChain chat model");
    if (typeof resolved.matcher?.mentions !== "function") {
      throw new ConfigError(
        "matcher",
        "must be an AnswerMatcher with mentions(text, answer) and asserts(text, answer)",
      );
    }
    if (resolved.output !== "auto" && resolved.output !== "text") {
      throw new ConfigError("output", `must be "auto" or "text", got ${String(resolved.output)}`);
    }
    for (const field of ["maxLessons", "maxLessonChars", "maxAttemptChars", "attemptsPerOutcome"] as const) {
      if (!(Number.isInteger(resolved[field]) && resolved[field] >= 1)) {
        throw new ConfigError(field, `must be an integer >= 1, got ${String(resolved[field])}`);
      }
    }
    this.#options = resolved;
  }

  override invoke(input: AbstractionInput, options?: Partial<RunnableConfig>): Promise<AbstractionResult> {
    return this._callWithConfig(this.#run.bind(this), input, options);
  }

  async #run(
    input: AbstractionInput,
    config?: Partial<RunnableConfig>,
    runManager?: CallbackManagerForChainRun,
  ): Promise<AbstractionResult> {
    const problem = checkProblem(input?.problem);
    const attempts = this.#shown(input);
    if (!attempts.some((a) => a.correct)) {
      return { lessons: [], rejected: [], parsedAs: "unparsed", skipped: "no-correct-attempt" };
    }
    const shown = attempts
      .map(
        (a, i) =>
          `Attempt ${i + 1} (${a.correct ? "correct" : "incorrect"}):\n${truncateText(a.completion, this.#options.maxAttemptChars)}`,
      )
      .join("\n\n");
    const messages = await abstractionPrompt.formatMessages({ problem: problem.question, attempts: shown });
    const callOptions = { ...config, callbacks: runManager?.getChild() };
    const reply = await this.#call(messages, callOptions);
    const limits = { maxLessons: this.#options.maxLessons, maxChars: this.#options.maxLessonChars };
    const texts = parseLessonReply(reply, limits);
    if (!texts) return { lessons: [], rejected: [], parsedAs: "unparsed" };
    const parsedAs =
      reply.args !== undefined && parseLessonReply({ args: reply.args, text: "" }, limits) ? "structured" : "text";
    const lessons: LessonDraft[] = [];
    const rejected: string[] = [];
    for (const text of texts) {
      if (this.#restatesAnswer(text, problem.answer)) rejected.push(text);
      else lessons.push({ text, sourceProblemIds: [problem.id], problemText: problem.question });
    }
    return { lessons, rejected, parsedAs };
  }

  /**
   * Asks the model. `auto` with a model that can call tools: the lesson schema is bound as a forced
   * tool call, and the reply's tool arguments (or, failing them, its text) are read. A model whose
   * `bindTools` throws is asked for text. When the tool-bound call fails for a reason other than
   * transport (a server that refuses forced tool calls, a test fake that answers only through
   * `withStructuredOutput`), the model's own `withStructuredOutput` is tried once, then a plain
   * text call. A failure another request cannot mend (see `mayFallBack`) is thrown at once.
   */
  async #call(messages: BaseMessage[], options: Partial<RunnableConfig>): Promise<{ args?: unknown; text: string }> {
    const model = this.#options.model;
    if (this.#options.output === "auto" && typeof model.bindTools === "function") {
      let bound: ReturnType<NonNullable<BaseChatModel["bindTools"]>> | undefined;
      try {
        bound = model.bindTools(
          [{ name: TOOL_NAME, description: "Record the lessons you distilled.", schema: lessonListSchema }],
          { tool_choice: TOOL_NAME } as never,
        );
      } catch {
        // The model says it cannot call tools: read its text.
      }
      if (bound) {
        try {
          return replyOf(await bound.invoke(messages, options));
        } catch (error) {
          if (!mayFallBack(error)) throw error;
        }
        if (typeof model.withStructuredOutput === "function") {
          try {
            return await this.#structured(messages, options);
          } catch (error) {
            if (!mayFallBack(error)) throw error;
          }
        }
      }
    }
    return replyOf(await model.invoke(messages, options));
  }

  async #structured(
    messages: BaseMessage[],
    options: Partial<RunnableConfig>,
  ): Promise<{ args?: unknown; text: string }> {
    const runnable = this.#options.model.withStructuredOutput(lessonListSchema, { name: TOOL_NAME, includeRaw: true });
    const result = (await runnable.invoke(messages, options)) as unknown;
    const { raw, parsed } = (result ?? {}) as { raw?: unknown; parsed?: unknown };
    // `includeRaw` gives { raw, parsed }; some models (test fakes) give the parsed value alone.
    if (isBaseMessage(raw)) return parsed ? { args: parsed, text: messageText(raw) } : replyOf(raw);
    if (result === undefined || result === null) throw new Error("withStructuredOutput gave nothing");
    return { args: result, text: "" };
  }

  /** A matcher that throws counts as a match: dropping a lesson is cheap, leaking the label is not. */
  #restatesAnswer(text: string, answer: string): boolean {
    try {
      return this.#options.matcher.mentions(text, answer);
    } catch {
      return true;
    }
  }

  #shown(input: AbstractionInput): GradedAttemptInput[] {
    let attempts: GradedAttemptInput[];
    if ("attempts" in input && Array.isArray(input.attempts)) {
      attempts = input.attempts.map((a, i) => {
        if (typeof a?.completion !== "string" || typeof a.correct !== "boolean") {
          throw new ConfigError(`attempts[${i}]`, "must be { completion: string, correct: boolean }");
        }
        return a;
      });
    } else if ("group" in input && Array.isArray(input.group?.rollouts)) {
      attempts = [...input.group.rollouts]
        .filter((r) => r.status === "ok")
        .sort((a, b) => a.index - b.index)
        .map((r) => ({ completion: r.completion, correct: (r.reward ?? 0) > 0 }));
    } else {
      throw new ConfigError("attempts", "give either attempts: { completion, correct }[] or group: { rollouts }");
    }
    const per = this.#options.attemptsPerOutcome;
    const good = attempts.filter((a) => a.correct).slice(0, per);
    const bad = attempts.filter((a) => !a.correct).slice(0, per);
    return attempts.filter((a) => good.includes(a) || bad.includes(a));
  }
}

/** A failure of the connection or the server, not of the request: asking again another way will not help. */
/**
 * Whether another request shape may succeed where this one failed: the server refused the request
 * (400, 422), or the failure is not the server's (a client-side error, a test fake). A transport
 * failure (a retryable `ModelError`) or a refusal of the caller (401, 403, 404, ...) would fail
 * the same way again, so it is thrown at once.
 */
function mayFallBack(error: unknown): boolean {
  if (!ModelError.isInstance(error)) return true;
  if (error.isRetryable) return false;
  const status = statusOf(error);
  return status === undefined || status === 400 || status === 422;
}

function replyOf(message: BaseMessage): { args?: unknown; text: string } {
  const args = AIMessage.isInstance(message) ? message.tool_calls?.[0]?.args : undefined;
  return { ...(args !== undefined ? { args } : {}), text: messageText(message) };
}

function checkProblem(problem: Problem | undefined): Problem {
  if (typeof problem?.id !== "string" || problem.id === "")
    throw new ConfigError("problem.id", "must be a non-empty string");
  if (typeof problem.question !== "string" || problem.question.trim() === "") {
    throw new ConfigError("problem.question", "must be a non-empty string");
  }
  if (typeof problem.answer !== "string") {
    throw new ConfigError("problem.answer", "must be the gold answer (a string): lessons restating it are rejected");
  }
  return problem;
}
