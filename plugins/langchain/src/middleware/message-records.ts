import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import type { ChatMessageRecord } from "@lanpo/core";
import { messageText } from "../util/message-text.js";

/**
 * An agent's messages as the pool records them (system, user, assistant): an AI message's tool
 * calls are written after its text, a tool result becomes a user turn naming the tool.
 */
export function messageRecords(messages: readonly BaseMessage[]): ChatMessageRecord[] {
  return messages.map((message) => {
    const type = message.getType();
    const text = messageText(message);
    if (type === "system") return { role: "system", content: text };
    if (type === "ai") {
      const calls = AIMessage.isInstance(message) ? (message.tool_calls ?? []) : [];
      const shown = calls.map((c) => `[tool call ${c.name}] ${JSON.stringify(c.args)}`);
      return { role: "assistant", content: [text, ...shown].filter(Boolean).join("\n") };
    }
    if (type === "tool") {
      const name = ToolMessage.isInstance(message) ? message.name : undefined;
      return { role: "user", content: `[tool result${name ? ` ${name}` : ""}] ${text}` };
    }
    return { role: "user", content: text };
  });
}
