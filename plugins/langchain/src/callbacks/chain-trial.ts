import type { ChatMessageRecord, TokenUsage } from "@lanpo/core";

/** One model call inside a recorded run. */
export interface ModelCallRecord {
  runId: string;
  /** The messages the model was sent. */
  messages: ChatMessageRecord[];
  /** The text it answered; absent when it failed. */
  output?: string;
  usage?: TokenUsage;
  error?: string;
}

/** One tool call inside a recorded run. */
export interface ToolCallRecord {
  runId: string;
  name: string;
  input: string;
  output?: unknown;
  error?: string;
}

/** What `LanpoCallbackHandler` keeps of one top-level chain or agent run. */
export interface ChainTrial {
  /** The top-level run's id (LangSmith's run id). */
  runId: string;
  name: string;
  /** The run's inputs, as JSON-safe values. */
  inputs: unknown;
  /** The run's outputs; absent when it failed. */
  outputs?: unknown;
  /** The error that ended the run; absent when it succeeded. */
  error?: { name: string; message: string };
  startedAtMs: number;
  endedAtMs: number;
  modelCalls: ModelCallRecord[];
  toolCalls: ToolCallRecord[];
  /** Run ids of every run inside it, in the order they started. */
  childRunIds: string[];
}
