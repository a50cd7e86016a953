import { DatasetError, jsonLines, readDatasetFileSync } from "@lanpo/core";

/** One parsed JSON Lines row and the 1-based line it came from. */
export interface JsonlRow {
  line: number;
  value: Record<string, unknown>;
}

/**
 * Reads a JSON Lines file: one JSON object per line, blank lines skipped. Every problem is a
 * {@link DatasetError} naming the file and line: a missing file, bad JSON, a row that is not an
 * object, a file with no rows.
 */
export function readJsonl(file: string): JsonlRow[] {
  const text = readDatasetFileSync(
    file,
    "pass a JSON Lines file (one JSON object per line) or a bundled set: gsm8k, math500, aime24, amc23",
  );
  const rows: JsonlRow[] = [];
  for (const { line, value, error } of jsonLines(text)) {
    if (error !== undefined) {
      throw new DatasetError(
        file,
        line,
        `${error}; each line must be one JSON object such as {"question": "...", "answer": "..."}`,
      );
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new DatasetError(
        file,
        line,
        `expected a JSON object, got ${Array.isArray(value) ? "an array" : JSON.stringify(value)}; each line must be one object such as {"question": "...", "answer": "..."}`,
      );
    }
    rows.push({ line, value: value as Record<string, unknown> });
  }
  if (rows.length === 0) {
    throw new DatasetError(
      file,
      undefined,
      `has no rows; add one JSON object per line such as {"question": "...", "answer": "..."}`,
    );
  }
  return rows;
}
