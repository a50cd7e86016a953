/** One non-blank line of a JSON Lines text: its parsed value, or why it could not be parsed. */
export type JsonLine =
  | { line: number; value: unknown; error?: undefined }
  | { line: number; value?: undefined; error: string };

/**
 * The non-blank lines of a JSON Lines text, parsed, each with its 1-based line number. A line that
 * is not valid JSON comes back with `error` instead of throwing, so each reader can decide whether
 * one bad line stops it or is reported with the rest.
 */
export function* jsonLines(content: string): Generator<JsonLine> {
  const lines = content.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const trimmed = raw.trim();
    if (trimmed === "") continue;
    try {
      yield { line: i + 1, value: JSON.parse(trimmed) as unknown };
    } catch (error) {
      yield { line: i + 1, error: `not valid JSON (${(error as Error).message})` };
    }
  }
}
