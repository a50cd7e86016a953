import type { InferenceClient } from "@huggingface/inference";
import { AIMessage, AIMessageChunk, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import { messageText } from "../util/message-text.js";

/** The wire types, as the client declares them (no direct dependency on @huggingface/tasks). */
export type ChatCompletionInput = Parameters<InferenceClient["chatCompletion"]>[0];
type ChatCompletionInputMessage = NonNullable<ChatCompletionInput["messages"]>[number];
type ChatCompletionOutput = Awaited<ReturnType<InferenceClient["chatCompletion"]>>;
type ChatCompletionStreamOutput =
  ReturnType<InferenceClient["chatCompletionStream"]> extends AsyncGenerator<infer T> ? T : never;

/** LangChain messages as the chat-completions wire format has them. */
export function toHuggingFaceMessages(messages: readonly BaseMessage[]): ChatCompletionInputMessage[] {
  return messages.map((m) => {
    const type = m.getType();
    const content = messageText(m);
    if (type === "system") return { role: "system", content };
    if (type === "ai") return { role: "assistant", content };
    if (type === "tool") {
      return { role: "tool", content, ...(ToolMessage.isInstance(m) ? { tool_call_id: m.tool_call_id } : {}) };
    }
    return { role: "user", content };
  });
}

interface ChoiceExtras {
  logprobs?: unknown;
  token_ids?: unknown;
}

/**
 * A chat-completions reply as an AIMessage with the fields the trainer reads, in the shape
 * `ChatOpenAI` gives them: `response_metadata.{finish_reason, model_name, logprobs, token_ids}`,
 * `additional_kwargs.reasoning_content` and `usage_metadata`.
 */
export function fromHuggingFaceOutput(output: ChatCompletionOutput): AIMessage {
  const choice = output.choices?.[0];
  const message = (choice?.message ?? { role: "assistant" }) as { content?: unknown; reasoning_content?: unknown };
  const extras = (choice ?? {}) as ChoiceExtras;
  const reasoning = message.reasoning_content;
  return new AIMessage({
    content: typeof message.content === "string" ? message.content : "",
    ...(output.id ? { id: output.id } : {}),
    additional_kwargs: typeof reasoning === "string" ? { reasoning_content: reasoning } : {},
    response_metadata: {
      model_provider: "huggingface",
      finish_reason: choice?.finish_reason ?? null,
      model_name: output.model,
      ...(extras.logprobs ? { logprobs: extras.logprobs } : {}),
      ...(tokenIds(extras.token_ids) ? { token_ids: extras.token_ids } : {}),
    },
    ...(output.usage
      ? {
          usage_metadata: {
            input_tokens: output.usage.prompt_tokens,
            output_tokens: output.usage.completion_tokens,
            total_tokens: output.usage.total_tokens,
          },
        }
      : {}),
  });
}

/** One streamed chunk as an AIMessageChunk; the finishing chunk carries finish reason and model. */
export function fromHuggingFaceChunk(chunk: ChatCompletionStreamOutput): AIMessageChunk {
  const choice = chunk.choices?.[0];
  const delta = (choice?.delta ?? {}) as { content?: unknown; reasoning_content?: unknown };
  const extras = (choice ?? {}) as ChoiceExtras;
  return new AIMessageChunk({
    content: typeof delta.content === "string" ? delta.content : "",
    additional_kwargs:
      typeof delta.reasoning_content === "string" ? { reasoning_content: delta.reasoning_content } : {},
    response_metadata: {
      ...(choice?.finish_reason ? { finish_reason: choice.finish_reason, model_name: chunk.model } : {}),
      ...(extras.logprobs ? { logprobs: extras.logprobs } : {}),
    },
    ...(chunk.usage
      ? {
          usage_metadata: {
            input_tokens: chunk.usage.prompt_tokens,
            output_tokens: chunk.usage.completion_tokens,
            total_tokens: chunk.usage.total_tokens,
          },
        }
      : {}),
  });
}

function tokenIds(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((id) => Number.isInteger(id));
}
