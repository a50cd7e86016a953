import { isBaseMessage } from "@langchain/core/messages";
import { messageRecords } from "../middleware/message-records.js";

const MAX_DEPTH = 8;
const MAX_STRING = 100_000;
const MAX_ITEMS = 1000;

/**
 * A JSON-safe copy of a chain's inputs or outputs: messages become `{ role, content }` records,
 * class instances their own enumerable fields, long strings and arrays are cut, cycles and
 * functions dropped. Recording never throws on what a chain passes around.
 */
export function plainValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "string") return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}[…]` : value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "object") return undefined;
  if (seen.has(value) || depth >= MAX_DEPTH) return "[…]";
  seen.add(value);
  if (isBaseMessage(value)) return messageRecords([value])[0];
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => plainValue(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value).slice(0, MAX_ITEMS)) {
    const plain = plainValue(v, depth + 1, seen);
    if (plain !== undefined) out[key] = plain;
  }
  return out;
}
