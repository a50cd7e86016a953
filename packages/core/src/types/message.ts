/**
 * A chat message as recorded in the pool, the outbox and the rollout report: plain data, so it
 * survives JSON and SQLite unchanged. `role` follows the OpenAI chat convention.
 */
export interface ChatMessageRecord {
  role: "system" | "user" | "assistant";
  content: string;
}
