import type { BaseMessage } from "@langchain/core/messages";
import { AIMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import { ModelError } from "../errors/model-error.js";
import type { ChatMessageRecord } from "../types/message.js";
import type { ChatPolicy } from "./chat-policy.js";
import type { OutageTracker } from "./outage-tracker.js";
import { type ReplyFields, replyFields } from "./reply-fields.js";

export interface ModelCallOptions {
  timeoutMs: number;
  retries: number;
  /** Backoff before retry i (0-based): `initialMs * 2^i`, at most `maxMs`, with jitter. */
  backoff?: { initialMs: number; maxMs: number };
  /** When given, a call failing while the server is down waits the outage out (bounded). */
  outage?: OutageTracker;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
}

export interface ModelReply extends ReplyFields {
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

type Loose = { status?: unknown; response?: { status?: unknown; headers?: unknown }; headers?: unknown } | null;

function statusOf(error: unknown): number | undefined {
  const e = error as Loose;
  const status = e?.status ?? e?.response?.status;
  return typeof status === "number" ? status : undefined;
}

function isRetryable(error: unknown): boolean {
  if (ModelError.isInstance(error)) return error.isRetryable;
  const status = statusOf(error);
  if (status !== undefined) return status === 408 || status === 409 || status === 429 || status >= 500;
  return true;
}

/** Seconds (or an HTTP date) the server asked to wait, from a 429 or 503, in ms. */
export function retryAfterMs(error: unknown, now: () => number = Date.now): number | undefined {
  // Clients wrap the HTTP error (a ModelError around the SDK's error, say): look through causes.
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const asked = ownRetryAfterMs(e, now);
    if (asked !== undefined) return asked;
  }
  return undefined;
}

function ownRetryAfterMs(error: unknown, now: () => number): number | undefined {
  const status = statusOf(error);
  if (status !== 429 && status !== 503) return undefined;
  const e = error as Loose;
  for (const headers of [e?.headers, e?.response?.headers]) {
    const value =
      typeof (headers as { get?: unknown })?.get === "function"
        ? (headers as { get(name: string): string | null }).get("retry-after")
        : (headers as Record<string, unknown> | undefined)?.["retry-after"];
    if (typeof value !== "string" || value.trim() === "") continue;
    const seconds = Number(value);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(value);
    if (Number.isFinite(date)) return Math.max(0, date - now());
  }
  return undefined;
}

async function once(model: ChatPolicy, messages: BaseMessage[], timeoutMs: number): Promise<ModelReply> {
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
    if (!reply || typeof reply !== "object") {
      throw new ModelError(`model returned ${String(reply)} instead of a message`, { isRetryable: false });
    }
    return { ...replyFields(reply), latencyMs: performance.now() - started, attempts: 1 };
  } finally {
    clearTimeout(timer);
  }
}

const MAX_RETRY_AFTER_MS = 60_000;

/**
 * One chat-model call with a timeout and retries: exponential backoff with jitter, `Retry-After`
 * honoured on 429 and 503, and, with an {@link OutageTracker}, a bounded wait while the server is
 * down. An empty, unparseable or truncated reply is a reply (its `status` says which), not an
 * error. Rejects with a {@link ModelError} saying what went wrong after the last try.
 */
export async function callModel(
  model: ChatPolicy,
  messages: readonly ChatMessageRecord[],
  options: ModelCallOptions,
): Promise<ModelReply> {
  const lcMessages = toLangChainMessages(messages);
  const { initialMs, maxMs } = options.backoff ?? { initialMs: 100, maxMs: 5000 };
  const random = options.random ?? Math.random;
  let lastError: unknown;
  let tries = 0;
  const startedAt = options.outage?.now() ?? 0;
  for (let attempt = 0; ; attempt++) {
    tries++;
    try {
      const reply = await once(model, lcMessages, options.timeoutMs);
      options.outage?.succeeded();
      return { ...reply, attempts: tries };
    } catch (error) {
      lastError = error;
      if (!isRetryable(error)) break;
      options.outage?.failed();
      const more = attempt < options.retries || options.outage?.shouldWait(startedAt) === true;
      if (!more) break;
      const backoff = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
      const asked = retryAfterMs(error);
      // Full jitter on the backoff spreads retries of many calls; a Retry-After is a floor.
      const delay = Math.max(backoff * (0.5 + random() / 2), Math.min(asked ?? 0, MAX_RETRY_AFTER_MS));
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  const outage =
    options.outage && options.outage.downForMs > 0
      ? ` (server failing for ${Math.round(options.outage.downForMs / 1000)} s)`
      : "";
  throw new ModelError(`model call failed after ${tries} ${tries === 1 ? "try" : "tries"}${outage}: ${reason}`, {
    isRetryable: false,
    cause: lastError,
  });
}
