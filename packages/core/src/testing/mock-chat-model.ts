import type { BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage, MessageContent, UsageMetadata } from "@langchain/core/messages";
import { AIMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import type { ChatMessageRecord } from "../types/message.js";

/** One recorded call: the messages as plain records. */
export interface MockCall {
  messages: ChatMessageRecord[];
}

/** A reply with more than text: what a real server's message carries. */
export interface MockReply {
  content: MessageContent;
  response_metadata?: Record<string, unknown>;
  additional_kwargs?: Record<string, unknown>;
  usage_metadata?: UsageMetadata;
}

export interface MockChatModelOptions extends BaseChatModelParams {
  /** Answers a call with text or a message; may throw or never resolve to simulate failures. */
  respond: (messages: ChatMessageRecord[], callIndex: number) => string | MockReply | Promise<string | MockReply>;
  /** Latency added to every call. @default 0 */
  delayMs?: number;
}

function toRecord(m: BaseMessage): ChatMessageRecord {
  const type = m.getType();
  // Plain string content is read directly: `.text` converts content blocks on every access.
  const content = typeof m.content === "string" ? m.content : m.text;
  return { role: type === "system" ? "system" : type === "ai" ? "assistant" : "user", content };
}

/**
 * A chat model for tests and benchmarks that answers with a function and records every call.
 * `respond` may return a plain string or a message with metadata (finish reason, log-probs,
 * token usage), as a real server's reply has.
 *
 * @example new MockChatModel({ respond: () => "The answer is \\boxed{4}" })
 */
export class MockChatModel extends BaseChatModel {
  readonly calls: MockCall[] = [];
  private readonly respond: MockChatModelOptions["respond"];
  private readonly delayMs: number;
  /** Set false for benchmarks that must not keep every call in memory. */
  record = true;
  /** Calls made so far, recorded or not. */
  callCount = 0;

  constructor(options: MockChatModelOptions) {
    super(options);
    this.respond = options.respond;
    this.delayMs = options.delayMs ?? 0;
  }

  _llmType(): string {
    return "lanpo-mock";
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const records = messages.map(toRecord);
    const index = this.callCount++;
    if (this.record) this.calls.push({ messages: records });
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const reply = await this.respond(records, index);
    const message = typeof reply === "string" ? new AIMessage(reply) : new AIMessage({ ...reply });
    const text = typeof message.content === "string" ? message.content : "";
    return { generations: [{ text, message }] };
  }
}
