import { DatasetError } from "@lanpo/core";

/** One training problem: its statement and the index of its subject. */
export interface SubjectRow {
  readonly problem: string;
  readonly subject: number;
}

/**
 * Parses the head's training file (one `{"problem", "subject", ...}` object a line). A malformed
 * line stops training with its number: a head fitted on a silently shortened file would ship.
 */
export function readSubjectRows(text: string, file: string, subjects: readonly string[]): SubjectRow[] {
  const rows: SubjectRow[] = [];
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    const lineNumber = index + 1;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      throw new DatasetError(file, lineNumber, `not JSON (${(error as Error).message}); one JSON object a line`);
    }
    const { problem, subject } = (row ?? {}) as { problem?: unknown; subject?: unknown };
    if (typeof problem !== "string" || problem.trim() === "") {
      throw new DatasetError(file, lineNumber, `"problem" must be a non-empty string, got ${JSON.stringify(problem)}`);
    }
    const at = typeof subject === "string" ? subjects.indexOf(subject) : -1;
    if (at === -1) {
      throw new DatasetError(
        file,
        lineNumber,
        `"subject" ${JSON.stringify(subject)} is not one of ${subjects.map((s) => JSON.stringify(s)).join(", ")}`,
      );
    }
    rows.push({ problem, subject: at });
  }
  if (rows.length === 0) throw new DatasetError(file, undefined, "no rows; the head needs labelled problems");
  return rows;
}
