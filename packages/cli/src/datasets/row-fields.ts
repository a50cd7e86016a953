import { DatasetError } from "@lanpo/core";
import type { JsonlRow } from "./read-jsonl.js";

/**
 * A required text field of a row: a non-empty string, or a finite number written the way JSON
 * readers expect (`27.0` becomes `"27"`). Anything else is a {@link DatasetError} naming the row.
 */
export function requireText(file: string, row: JsonlRow, field: string, fix: string): string {
  const value = row.value[field];
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  const got = value === undefined ? "it is missing" : `got ${JSON.stringify(value)}`;
  throw new DatasetError(file, row.line, `field "${field}" must be a non-empty string or number, ${got}; ${fix}`);
}

/** The first of `fields` that the row has, for sets that name a field differently across rows. */
export function firstPresent(row: JsonlRow, fields: readonly string[]): string {
  return (
    fields.find((f) => row.value[f] !== undefined && row.value[f] !== null && row.value[f] !== "") ??
    (fields[0] as string)
  );
}

/** An optional id field: a string or an integer; absent gives `undefined`. */
export function optionalId(file: string, row: JsonlRow, field: string): string | undefined {
  const value = row.value[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw new DatasetError(
    file,
    row.line,
    `field "${field}" must be a non-empty string or number when present, got ${JSON.stringify(value)}; fix the id or remove the field to number rows by position`,
  );
}
