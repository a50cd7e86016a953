import type { BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";

/**
 * What the trainer calls: any LangChain chat model or chat Runnable — a `BaseChatModel`, or one
 * after `.withConfig()`, `.bind()` or `.withRetry()` — anything whose `invoke` takes messages and
 * resolves to a message.
 */
export interface ChatPolicy {
  invoke(input: BaseMessage[], options?: Partial<RunnableConfig>): Promise<BaseMessage>;
}

/** A notice a policy wants every user to see (the scripted policy says it is not a real model). */
export function noticeOf(policy: unknown): string | undefined {
  // A Runnable binding keeps the model it wraps in `bound`; look through any number of them.
  for (let p = policy as Record<string, unknown> | undefined, depth = 0; p && depth < 8; depth++) {
    if (typeof p.lanpoNotice === "string") return p.lanpoNotice;
    p = p.bound as Record<string, unknown> | undefined;
  }
  return undefined;
}
