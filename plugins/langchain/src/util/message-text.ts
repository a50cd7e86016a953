import type { BaseMessage } from "@langchain/core/messages";

/** The text of a message: plain string content as is, content blocks joined. */
export function messageText(message: BaseMessage | undefined): string {
  if (!message) return "";
  return typeof message.content === "string" ? message.content : message.text;
}
