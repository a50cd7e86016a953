import type { CallbackManagerForChainRun } from "@langchain/core/callbacks/manager";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { SystemMessage } from "@langchain/core/messages";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { Runnable, type RunnableConfig } from "@langchain/core/runnables";
import { ConfigError, ModelError, REFLECTION_SYSTEM_PROMPT, REFLECTION_USER_TEMPLATE } from "@lanpo/core";
import { messageText } from "../util/message-text.js";
import { truncateText } from "../util/truncate-text.js";
import type { ReflectionInput, ReflectionResult } from "./reflection-input.js";

/** Options of {@link ReflectionChain}. */
export interface ReflectionChainOptions {
  /** Any chat model; the policy itself is the usual choice. */
  model: BaseChatModel;
  /** Characters of the attempt shown to the reflector (head and tail kept). @default 8000 */
  maxAttemptChars?: number;
  /** Characters of review kept; a longer reply is cut. @default 2000 */
  maxReviewChars?: number;
  /**
   * Which earlier attempt is reviewed. Never chosen by outcome (DESIGN.md section 4): the newest,
   * or one drawn with `random`. @default "most-recent"
   */
  select?: "most-recent" | "random";
  /** Uniform [0, 1) source for `select: "random"`. @default Math.random */
  random?: () => number;
}

/**
 * The prompt of every reflection: core's fixed system text and user template (the trainer uses
 * the same two, so there is one source of them). The system text is a literal message, so braces
 * in it are never read as slots.
 */
export const reflectionPrompt = ChatPromptTemplate.fromMessages([
  new SystemMessage(REFLECTION_SYSTEM_PROMPT),
  ["human", REFLECTION_USER_TEMPLATE],
]);

/**
 * A `Runnable` from `{ problem, priorAttempts }` to a reward-agnostic review of one earlier attempt.
 * Its input type has no field for a reward, a correctness flag or a gold answer: passing one does
 * not compile. Resolves to `null` when there is no earlier attempt (no model call is made).
 *
 * @example
 * ```ts
 * const reflect = new ReflectionChain({ model });
 * const review = await reflect.invoke({ problem: question, priorAttempts: await pool.priorAttempts(id, opts) });
 * ```
 */
export class ReflectionChain extends Runnable<ReflectionInput, ReflectionResult | null> {
  lc_namespace = ["lanpo", "chains"];
  readonly #model: BaseChatModel;
  readonly #maxAttemptChars: number;
  readonly #maxReviewChars: number;
  readonly #select: "most-recent" | "random";
  readonly #random: () => number;

  static override lc_name(): string {
    return "ReflectionChain";
  }

  constructor(options: ReflectionChainOptions) {
    super();
    const resolved = {
      maxAttemptChars: 8000,
      maxReviewChars: 2000,
      select: "most-recent",
      random: Math.random,
      ...options,
    } satisfies Required<ReflectionChainOptions>;
    if (typeof resolved.model?.invoke !== "function") throw new ConfigError("model", "must be a LangChain chat model");
    for (const field of ["maxAttemptChars", "maxReviewChars"] as const) {
      if (!(Number.isInteger(resolved[field]) && resolved[field] >= 16)) {
        throw new ConfigError(field, `must be an integer >= 16, got ${String(resolved[field])}`);
      }
    }
    if (resolved.select !== "most-recent" && resolved.select !== "random") {
      throw new ConfigError("select", `must be "most-recent" or "random", got ${String(resolved.select)}`);
    }
    this.#model = resolved.model;
    this.#maxAttemptChars = resolved.maxAttemptChars;
    this.#maxReviewChars = resolved.maxReviewChars;
    this.#select = resolved.select;
    this.#random = resolved.random;
  }

  override invoke(input: ReflectionInput, options?: Partial<RunnableConfig>): Promise<ReflectionResult | null> {
    return this._callWithConfig(this.#run.bind(this), input, options);
  }

  async #run(
    input: ReflectionInput,
    config?: Partial<RunnableConfig>,
    runManager?: CallbackManagerForChainRun,
  ): Promise<ReflectionResult | null> {
    if (typeof input?.problem !== "string" || input.problem.trim() === "") {
      throw new ConfigError("problem", "must be the problem statement, a non-empty string");
    }
    if (!Array.isArray(input.priorAttempts)) throw new ConfigError("priorAttempts", "must be an array");
    const attempts = input.priorAttempts.filter((a) => typeof a?.completion === "string" && a.completion.trim());
    if (attempts.length === 0) return null;
    const index = this.#select === "random" ? Math.floor(this.#random() * attempts.length) : 0;
    const chosen = attempts[Math.min(index, attempts.length - 1)] as (typeof attempts)[number];
    const attempt = truncateText(chosen.completion, this.#maxAttemptChars);
    const messages = await reflectionPrompt.formatMessages({ problem: input.problem, attempt });
    const reply = await this.#model.invoke(messages, { ...config, callbacks: runManager?.getChild() });
    const text = messageText(reply).trim();
    if (text === "") {
      throw new ModelError("the reflector returned an empty review; check the model name and its max tokens", {
        isRetryable: true,
      });
    }
    return { text: truncateText(text, this.#maxReviewChars), attemptId: chosen.attemptId ?? null, attempt };
  }
}
