import type { InferenceClient } from "@huggingface/inference";
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  type InvalidToolCall,
  type ToolCall,
  ToolMessage,
} from "@langchain/core/messages";
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
    if (type === "ai") {
      const calls = AIMessage.isInstance(m) ? (m.tool_calls ?? []) : [];
      if (calls.length === 0) return { role: "assistant", content };
      return {
        role: "assistant",
        content,
        tool_calls: calls.map((c, i) => ({
          id: c.id ?? `call-${i}`,
          type: "function",
          function: { name: c.name, arguments: JSON.stringify(c.args) },
        })),
      } as ChatCompletionInputMessage;
    }
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
  const { toolCalls, invalidToolCalls } = parseToolCalls((message as { tool_calls?: unknown }).tool_calls);
  return new AIMessage({
    content: typeof message.content === "string" ? message.content : "",
    tool_calls: toolCalls,
    invalid_tool_calls: invalidToolCalls,
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

/** Tool calls as servers send them: `arguments` a JSON string (OpenAI, vLLM) or an object (TGI). */
function parseToolCalls(raw: unknown): { toolCalls: ToolCall[]; invalidToolCalls: InvalidToolCall[] } {
  const toolCalls: ToolCall[] = [];
  const invalidToolCalls: InvalidToolCall[] = [];
  if (!Array.isArray(raw)) return { toolCalls, invalidToolCalls };
  for (const [i, call] of raw.entries()) {
    const c = call as { id?: unknown; function?: { name?: unknown; arguments?: unknown } };
    const id = typeof c.id === "string" ? c.id : `call-${i}`;
    const name = typeof c.function?.name === "string" ? c.function.name : "";
    const args = c.function?.arguments;
    try {
      const parsed = typeof args === "string" ? (args.trim() === "" ? {} : JSON.parse(args)) : (args ?? {});
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || name === "") {
        throw new Error("tool call arguments must be a JSON object and the tool must be named");
      }
      toolCalls.push({ id, name, args: parsed as Record<string, unknown>, type: "tool_call" });
    } catch (error) {
      invalidToolCalls.push({
        id,
        name,
        args: typeof args === "string" ? args : JSON.stringify(args),
        error: error instanceof Error ? error.message : String(error),
        type: "invalid_tool_call",
      });
    }
  }
  return { toolCalls, invalidToolCalls };
}

function tokenIds(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((id) => Number.isInteger(id));
}
