import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import { AIMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import { ModelError } from "../errors/model-error.js";
import type { TokenUsage } from "../types/attempt.js";
import type { ChatMessageRecord } from "../types/message.js";

export interface ModelCallOptions {
  timeoutMs: number;
  retries: number;
  /** Pause before retry i (0-based) in ms. @default 50 * 2^i, at most 2 s */
  retryDelayMs?: (retry: number) => number;
}

export interface ModelReply {
  text: string;
  usage?: TokenUsage;
  latencyMs: number;
  attempts: number;
}

export function toLangChainMessages(messages: readonly ChatMessageRecord[]): BaseMessage[] {
  return messages.map((m) =>
    m.role === "system"
      ? new SystemMessage(m.content)
      : m.role === "user"
        ? new HumanMessage(m.content)
        : new AIMessage(m.content),
  );
}

function isRetryable(error: unknown): boolean {
  if (ModelError.isInstance(error)) return error.isRetryable;
  const status = (error as { status?: unknown; response?: { status?: unknown } } | null)?.status;
  if (typeof status === "number") return status === 408 || status === 409 || status === 429 || status >= 500;
  return true;
}

async function once(model: BaseChatModel, messages: BaseMessage[], timeoutMs: number): Promise<ModelReply> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new ModelError(`model call timed out after ${timeoutMs} ms; raise timeoutMs or check the server`, {
          isRetryable: true,
        }),
      );
    }, timeoutMs);
  });
  try {
    // Race as well as abort: a model that ignores the signal must not hold the step hostage.
    const reply = await Promise.race([model.invoke(messages, { signal: controller.signal }), timeout]);
    const text = typeof reply.content === "string" ? reply.content : reply.text;
    if (typeof text !== "string" || text.trim() === "") {
      throw new ModelError("model returned an empty reply; check the model name, max tokens and server logs", {
        isRetryable: true,
      });
    }
    const meta = (reply as AIMessage).usage_metadata;
    const usage = meta ? { promptTokens: meta.input_tokens, completionTokens: meta.output_tokens } : undefined;
    return { text, latencyMs: performance.now() - started, attempts: 1, ...(usage ? { usage } : {}) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One chat-model call with a timeout and retries. Resolves to the reply text, or rejects with a
 * {@link ModelError} that says what went wrong after the last try.
 */
export async function callModel(
  model: BaseChatModel,
  messages: readonly ChatMessageRecord[],
  options: ModelCallOptions,
): Promise<ModelReply> {
  const lcMessages = toLangChainMessages(messages);
  const delay = options.retryDelayMs ?? ((i: number) => Math.min(2000, 50 * 2 ** i));
  let lastError: unknown;
  let tries = 0;
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    tries++;
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, delay(attempt - 1)));
    try {
      const reply = await once(model, lcMessages, options.timeoutMs);
      return { ...reply, attempts: attempt + 1 };
    } catch (error) {
      lastError = error;
      if (!isRetryable(error)) break;
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new ModelError(`model call failed after ${tries} ${tries === 1 ? "try" : "tries"}: ${reason}`, {
    isRetryable: false,
    cause: lastError,
  });
}
