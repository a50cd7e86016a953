import { InferenceClient } from "@huggingface/inference";
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import type { BaseLanguageModelInput, StructuredOutputMethodOptions } from "@langchain/core/language_models/base";
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BaseChatModelParams,
  type LangSmithParams,
} from "@langchain/core/language_models/chat_models";
import {
  assembleStructuredOutputPipeline,
  createFunctionCallingParser,
} from "@langchain/core/language_models/structured_output";
import type { AIMessageChunk, BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import type { Runnable } from "@langchain/core/runnables";
import { convertToOpenAITool } from "@langchain/core/utils/function_calling";
import { toJsonSchema } from "@langchain/core/utils/json_schema";
import { isInteropZodSchema } from "@langchain/core/utils/types";
import { ConfigError } from "@lanpo/core";
import {
  type ChatCompletionInput,
  fromHuggingFaceChunk,
  fromHuggingFaceOutput,
  toHuggingFaceMessages,
} from "./hugging-face-messages.js";
import { toModelError } from "./to-model-error.js";

/** Options of {@link HuggingFaceChatModel}. */
export interface HuggingFaceChatModelOptions extends BaseChatModelParams {
  /** Model id (`meta-llama/Llama-3.1-8B-Instruct`); TGI ignores it, other servers need it. */
  model: string;
  /** Hugging Face token. @default none (a local TGI needs none) */
  apiKey?: string;
  /** An Inference Endpoint or TGI URL; without it calls go to Inference Providers. */
  endpointUrl?: string;
  /** Inference Provider when there is no `endpointUrl`. @default "auto" */
  provider?: string;
  /** Per request, in ms. @default 60000 */
  timeoutMs?: number;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  seed?: number;
  /** Ask for per-token log-probabilities. @default false */
  logprobs?: boolean;
  topLogprobs?: number;
  /** Stream each reply (and aggregate it for `invoke`). @default false */
  streaming?: boolean;
  /** The fetch its client uses (retries and tests). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Call options: tools bound with `bindTools` travel here, in OpenAI's function format. */
export interface HuggingFaceChatCallOptions extends BaseChatModelCallOptions {
  tools?: ReturnType<typeof convertToOpenAITool>[];
  tool_choice?: "auto" | "none" | "required" | string | { type: "function"; function: { name: string } };
}

/**
 * A LangChain chat model over `@huggingface/inference`'s `chatCompletion`, for Hugging Face
 * Inference Providers, Inference Endpoints and TGI. Replies carry what the trainer reads, in
 * `ChatOpenAI`'s shape (finish reason, model name, log-probs, usage, reasoning). Errors surface as
 * `ModelError`. It makes no network call until it is invoked. It can call tools (`bindTools`, so it
 * works inside `createAgent`); with tools bound, replies are not streamed.
 *
 * @example new HuggingFaceChatModel({ model: "Qwen/Qwen2.5-7B-Instruct", endpointUrl: "http://tgi:8080" })
 */
export class HuggingFaceChatModel extends BaseChatModel<HuggingFaceChatCallOptions, AIMessageChunk> {
  readonly model: string;
  readonly endpointUrl: string | undefined;
  readonly streaming: boolean;
  readonly #client: InferenceClient;
  readonly #options: HuggingFaceChatModelOptions & { timeoutMs: number };

  static override lc_name(): string {
    return "HuggingFaceChatModel";
  }

  constructor(options: HuggingFaceChatModelOptions) {
    super(options);
    if (typeof options?.model !== "string" || options.model === "") {
      throw new ConfigError("model", "must be the Hugging Face model id, a non-empty string");
    }
    this.#options = { timeoutMs: 60_000, ...options };
    this.model = options.model;
    this.endpointUrl = options.endpointUrl;
    this.streaming = options.streaming ?? false;
    this.#client = new InferenceClient(options.apiKey, {
      ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      retry_on_error: false,
    });
  }

  _llmType(): string {
    return "lanpo-huggingface";
  }

  override bindTools(
    tools: Parameters<typeof convertToOpenAITool>[0][],
    kwargs?: Partial<HuggingFaceChatCallOptions>,
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, HuggingFaceChatCallOptions> {
    return this.withConfig({ tools: tools.map((tool) => convertToOpenAITool(tool)), ...kwargs });
  }

  /** The fields LangSmith and LangChain's standard tests read of a chat model. */
  override getLsParams(options: this["ParsedCallOptions"]): LangSmithParams {
    return {
      ls_provider: "huggingface",
      ls_model_name: this.model,
      ls_model_type: "chat",
      ls_temperature: this.#options.temperature,
      ls_max_tokens: this.#options.maxTokens,
      ls_stop: options.stop,
    };
  }

  /**
   * Structured output through a forced tool call (the only method TGI and Inference Providers
   * share), validated against the schema; with `includeRaw`, `{ raw, parsed }` and `parsed: null`
   * when the reply does not fit. LangChain's generic version expects message chunks from
   * `invoke` and so cannot read this model's replies.
   */
  // biome-ignore lint/suspicious/noExplicitAny: the base class declares these overloads with any
  override withStructuredOutput(outputSchema: any, config?: StructuredOutputMethodOptions<boolean>): any {
    const method = config?.method ?? "functionCalling";
    if (method !== "functionCalling") {
      throw new ConfigError("method", `HuggingFaceChatModel supports "functionCalling" only, got "${String(method)}"`);
    }
    const name = config?.name ?? "extract";
    const parameters = isInteropZodSchema(outputSchema) ? toJsonSchema(outputSchema) : outputSchema;
    const tool = {
      type: "function" as const,
      function: { name, description: "Answer in this shape.", parameters },
    };
    const llm = this.bindTools([tool], { tool_choice: name });
    const parser = createFunctionCallingParser(outputSchema, name);
    return assembleStructuredOutputPipeline(llm, parser, config?.includeRaw, "StructuredOutput");
  }

  #request(messages: BaseMessage[], options: this["ParsedCallOptions"]): ChatCompletionInput {
    const o = this.#options;
    return {
      model: this.model,
      ...(o.endpointUrl ? {} : { provider: (o.provider ?? "auto") as never }),
      messages: toHuggingFaceMessages(messages),
      ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
      ...(o.topP !== undefined ? { top_p: o.topP } : {}),
      ...(o.maxTokens !== undefined ? { max_tokens: o.maxTokens } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.logprobs
        ? { logprobs: true, ...(o.topLogprobs !== undefined ? { top_logprobs: o.topLogprobs } : {}) }
        : {}),
      ...(options.stop?.length ? { stop: options.stop } : {}),
      ...(options.tools?.length ? { tools: options.tools as never, ...toolChoice(options.tool_choice) } : {}),
    };
  }

  #signal(options: this["ParsedCallOptions"]): AbortSignal {
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    return options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  }

  #error(error: unknown): Error {
    return toModelError(error, { provider: "huggingface", baseUrl: this.endpointUrl });
  }

  async _generate(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    if (this.streaming && !options.tools?.length) {
      let final: ChatGenerationChunk | undefined;
      for await (const chunk of this._streamResponseChunks(messages, options, runManager)) {
        final = final ? final.concat(chunk) : chunk;
      }
      if (!final) throw this.#error(new Error("the stream ended before any chunk"));
      return { generations: [{ text: final.text, message: final.message }] };
    }
    const signal = this.#signal(options);
    const output = await this.caller
      .call(() => this.#client.chatCompletion(this.#request(messages, options), { signal }))
      .catch((error: unknown) => {
        throw this.#error(
          signal.aborted && !options.signal?.aborted ? timeoutError(this.#options.timeoutMs, error) : error,
        );
      });
    const message = fromHuggingFaceOutput(output);
    return { generations: [{ text: typeof message.content === "string" ? message.content : "", message }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const signal = this.#signal(options);
    try {
      const stream = this.#client.chatCompletionStream(this.#request(messages, options), { signal });
      for await (const chunk of stream) {
        const message = fromHuggingFaceChunk(chunk);
        const text = typeof message.content === "string" ? message.content : "";
        const generation = new ChatGenerationChunk({ text, message });
        yield generation;
        await runManager?.handleLLMNewToken(text, undefined, undefined, undefined, undefined, { chunk: generation });
      }
    } catch (error) {
      throw this.#error(
        signal.aborted && !options.signal?.aborted ? timeoutError(this.#options.timeoutMs, error) : error,
      );
    }
  }
}

function toolChoice(choice: HuggingFaceChatCallOptions["tool_choice"]): { tool_choice?: never } {
  if (choice === undefined) return {};
  const value =
    typeof choice === "string" && !["auto", "none", "required"].includes(choice)
      ? { type: "function", function: { name: choice } }
      : choice;
  return { tool_choice: value as never };
}

function timeoutError(timeoutMs: number, cause: unknown): Error {
  return new Error(`request timed out after ${timeoutMs} ms`, { cause });
}
