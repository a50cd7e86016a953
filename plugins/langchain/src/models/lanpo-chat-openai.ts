import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { AIMessage, type AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import type { ChatGenerationChunk, ChatResult } from "@langchain/core/outputs";
import { ChatOpenAI, type ChatOpenAIFields } from "@langchain/openai";
import { toModelError } from "./to-model-error.js";

/** Where a model's calls go, for error messages. */
export interface ModelWhere {
  provider: string;
  baseUrl: string | undefined;
}

/**
 * `ChatOpenAI` as LANPO runs it: errors surface as `ModelError` (with `isRetryable`), and with
 * vLLM's `return_token_ids` the completion's token ids land in `response_metadata.token_ids`,
 * where the trainer reads them. Everything else is `ChatOpenAI` unchanged.
 */
export class LanpoChatOpenAI extends ChatOpenAI {
  readonly #where: ModelWhere;
  readonly #fields: ChatOpenAIFields;
  readonly #tokenIds: boolean;

  constructor(fields: ChatOpenAIFields, where: ModelWhere, options: { tokenIds: boolean }) {
    super(fields);
    this.#fields = fields;
    this.#where = where;
    this.#tokenIds = options.tokenIds;
  }

  override async _generate(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    let result: ChatResult;
    try {
      result = this.streaming
        ? await this.#aggregateStream(messages, options, runManager)
        : await super._generate(messages, options, runManager);
    } catch (error) {
      throw toModelError(error, this.#where);
    }
    if (this.#tokenIds) for (const [i, generation] of result.generations.entries()) moveTokenIds(generation.message, i);
    return result;
  }

  /**
   * `ChatOpenAI` aggregates a stream and then estimates its token counts with tiktoken, which
   * downloads its tables (a network call nobody asked for, and wrong for non-OpenAI tokenizers);
   * the usage the server sends in the stream is kept instead.
   */
  async #aggregateStream(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    let final: ChatGenerationChunk | undefined;
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) {
      chunk.message.response_metadata = { ...chunk.generationInfo, ...chunk.message.response_metadata };
      final = final ? final.concat(chunk) : chunk;
    }
    if (!final) throw new Error("the stream ended before any chunk");
    const { promptIndex: _p, completion: _c, ...metadata } = final.message.response_metadata as Record<string, unknown>;
    const message = new AIMessage({
      content: final.message.content,
      additional_kwargs: final.message.additional_kwargs,
      response_metadata: metadata,
      tool_calls: (final.message as AIMessageChunk).tool_calls ?? [],
      ...((final.message as AIMessageChunk).usage_metadata
        ? { usage_metadata: (final.message as AIMessageChunk).usage_metadata }
        : {}),
      ...(final.message.id ? { id: final.message.id } : {}),
    });
    return {
      generations: [
        { text: final.text, message, ...(final.generationInfo ? { generationInfo: final.generationInfo } : {}) },
      ],
    };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    try {
      yield* super._streamResponseChunks(messages, options, runManager);
    } catch (error) {
      throw toModelError(error, this.#where);
    }
  }

  /** `ChatOpenAI.withConfig` (which `bindTools` uses) builds a plain `ChatOpenAI`; keep this class. */
  override withConfig(config: Partial<this["ParsedCallOptions"]>): this {
    const model = new LanpoChatOpenAI(this.#fields, this.#where, { tokenIds: this.#tokenIds });
    model.defaultOptions = { ...this.defaultOptions, ...config };
    return model as this;
  }
}

/** vLLM puts token ids on the choice; the raw response rides in `additional_kwargs.__raw_response`. */
function moveTokenIds(message: BaseMessage, choice: number): void {
  const raw = message.additional_kwargs.__raw_response as { choices?: { token_ids?: unknown }[] } | undefined;
  delete message.additional_kwargs.__raw_response;
  const ids = raw?.choices?.[choice]?.token_ids;
  if (Array.isArray(ids) && ids.every((id) => Number.isInteger(id))) {
    message.response_metadata = { ...message.response_metadata, token_ids: ids };
  }
}
