import { createHash } from "node:crypto";
import type { BaseMessage } from "@langchain/core/messages";
import { questionKey } from "@lanpo/core";
import { messageText } from "../util/message-text.js";
import type { LanpoTask } from "./lanpo-middleware-options.js";

/** The id of a task given only its statement: twins (same `questionKey`) get the same id. */
export function taskIdOf(question: string): string {
  return `task-${createHash("sha256").update(questionKey(question)).digest("hex").slice(0, 16)}`;
}

/** The default task of a run: the last human message, with no gold answer. */
export function defaultTask(input: { messages: readonly BaseMessage[] }): LanpoTask | undefined {
  const human = [...input.messages].reverse().find((m) => m.getType() === "human");
  const question = messageText(human).trim();
  return question ? { id: taskIdOf(question), question } : undefined;
}
