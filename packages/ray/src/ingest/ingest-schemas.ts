import { readFileSync } from "node:fs";
import { z } from "zod";

/** `POST /v1/batches`' 200 reply. */
export const BatchReplySchema = z.looseObject({
  accepted: z.number().int().nonnegative(),
  duplicate: z.boolean(),
  policyVersion: z.string(),
  servedModel: z.string().optional(),
});
export type BatchReply = z.infer<typeof BatchReplySchema>;

/** `GET /v1/status`' reply. */
export const IngestStatusSchema = z.looseObject({
  policyVersion: z.string(),
  servedModel: z.string().optional(),
  batchesApplied: z.number().int().nonnegative(),
  samplesApplied: z.number().int().nonnegative(),
  queuedSamples: z.number().int().nonnegative(),
  updates: z.number().int().nonnegative().optional(),
});
export type IngestStatus = z.infer<typeof IngestStatusSchema>;

/** The body of every 4xx/5xx the ingest sends. */
export const ErrorReplySchema = z.looseObject({
  error: z.looseObject({ code: z.string(), message: z.string(), path: z.string().optional() }),
});
export type ErrorReply = z.infer<typeof ErrorReplySchema>;

/** The error codes of the protocol, with the status each is sent with. */
export const INGEST_ERROR_CODES = {
  schema_invalid: 400,
  not_found: 404,
  batch_conflict: 409,
  too_large: 413,
  group_incomplete: 422,
  internal: 500,
} as const;
export type IngestErrorCode = keyof typeof INGEST_ERROR_CODES;

/** Path of the protocol's JSON Schema (`schema/ingest-batch.schema.json` in this package). */
export const INGEST_SCHEMA_URL = new URL("../../schema/ingest-batch.schema.json", import.meta.url);

/** The protocol's JSON Schema, as parsed JSON (the same file the Python receiver reads). */
export function ingestJsonSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(INGEST_SCHEMA_URL, "utf8"));
}

/**
 * A zod validator built from the JSON Schema itself for one of its definitions (`Batch` by
 * default, or `BatchReply`, `Status`, `ErrorReply`, `Sample`): what a Node ingest uses to check
 * bodies exactly as the protocol says.
 *
 * @example
 * ```ts
 * const check = ingestValidator();
 * const result = check.safeParse(JSON.parse(body)); // result.error.issues[0].path names the field
 * ```
 */
export function ingestValidator(definition = "Batch"): z.ZodType {
  const schema = ingestJsonSchema();
  return z.fromJSONSchema({ ...schema, $ref: `#/$defs/${definition}` } as Parameters<typeof z.fromJSONSchema>[0]);
}
