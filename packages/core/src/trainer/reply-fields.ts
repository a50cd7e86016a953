import type { BaseMessage } from "@langchain/core/messages";
import type { ScoredRolloutStatus, TokenUsage } from "../types/attempt.js";

/** What the trainer keeps of a model's reply message. */
export interface ReplyFields {
  text: string;
  status: ScoredRolloutStatus;
  finishReason: string | null;
  model: string | null;
  usage?: TokenUsage;
  logprobs?: number[];
  tokenIds?: number[];
  reasoning?: string;
}

type Loose = Record<string, unknown> | undefined;

/**
 * Reads a reply as LangChain's chat models leave it: text from `content`; `finish_reason`,
 * `model_name`, OpenAI-shaped `logprobs.content[].logprob` and vLLM's `token_ids` from
 * `response_metadata`; `reasoning_content` from `additional_kwargs`; token counts from
 * `usage_metadata`. A reply with no text is `empty`, one whose content is not text at all is
 * `unparseable`, and one the server cut at its length limit is `truncated`.
 */
export function replyFields(reply: BaseMessage): ReplyFields {
  const message = reply as BaseMessage & { usage_metadata?: { input_tokens?: number; output_tokens?: number } };
  const meta = (message.response_metadata ?? {}) as Record<string, unknown>;
  const extra = (message.additional_kwargs ?? {}) as Record<string, unknown>;
  const { text, readable } = textOf(message.content);
  const finishReason = stringOr(meta.finish_reason) ?? stringOr(meta.stop_reason) ?? stringOr(meta.finishReason);
  const status: ScoredRolloutStatus = !readable
    ? "unparseable"
    : text.trim() === ""
      ? "empty"
      : finishReason === "length" || finishReason === "max_tokens"
        ? "truncated"
        : "ok";
  const fields: ReplyFields = {
    text,
    status,
    finishReason,
    model: stringOr(meta.model_name) ?? stringOr(meta.model) ?? null,
  };
  const usage = message.usage_metadata;
  if (usage && Number.isFinite(usage.input_tokens) && Number.isFinite(usage.output_tokens)) {
    fields.usage = { promptTokens: usage.input_tokens as number, completionTokens: usage.output_tokens as number };
  }
  const logprobs = ((meta.logprobs as Loose)?.content as unknown[] | undefined)
    ?.map((t) => (t as Loose)?.logprob)
    .filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  if (logprobs && logprobs.length > 0) fields.logprobs = logprobs;
  const tokenIds = (meta.token_ids ?? extra.token_ids) as unknown;
  if (Array.isArray(tokenIds) && tokenIds.length > 0 && tokenIds.every((x) => Number.isInteger(x) && x >= 0)) {
    fields.tokenIds = tokenIds as number[];
  }
  const reasoning = stringOr(extra.reasoning_content) ?? stringOr(meta.reasoning_content);
  if (reasoning !== null) fields.reasoning = reasoning;
  return fields;
}

function stringOr(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/** Text of a message's content: a string, or the text parts of a content array. */
function textOf(content: unknown): { text: string; readable: boolean } {
  if (typeof content === "string") return { text: content, readable: true };
  if (Array.isArray(content)) {
    const parts = content
      .map((p) => (typeof p === "string" ? p : (p as Loose)?.type === "text" ? (p as Loose)?.text : undefined))
      .filter((p): p is string => typeof p === "string");
    return { text: parts.join(""), readable: parts.length > 0 || content.length === 0 };
  }
  return { text: "", readable: false };
}
