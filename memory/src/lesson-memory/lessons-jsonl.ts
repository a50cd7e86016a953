import type { Lesson } from "@lanpo/core";
import { DatasetError, jsonLines } from "@lanpo/core";
import { describeIssue, lessonSchema } from "./lesson-schema.js";

/** One lesson per line, every field kept (ids, provenance, counts). */
export function formatLessonsJsonl(lessons: readonly Lesson[]): string {
  return lessons.map((lesson) => `${JSON.stringify(lesson)}\n`).join("");
}

/**
 * Parses exported lessons, validating every line before returning any: a bad line throws
 * `DatasetError` whose `line` is the first bad line and whose message lists up to ten of them with
 * what is wrong. Blank lines are skipped; a lesson id seen twice is an error too.
 */
export function parseLessonsJsonl(file: string, content: string): Lesson[] {
  const lessons: Lesson[] = [];
  const problems: { line: number; message: string }[] = [];
  const seen = new Map<string, number>();
  for (const { line, value, error } of jsonLines(content)) {
    if (error !== undefined) {
      problems.push({ line, message: error });
      continue;
    }
    const parsed = lessonSchema.safeParse(value);
    if (!parsed.success) {
      const { path, message } = describeIssue(parsed.error);
      problems.push({ line, message: `${path || "lesson"}: ${message}` });
      continue;
    }
    const first = seen.get(parsed.data.id);
    if (first !== undefined) {
      problems.push({ line, message: `lesson id "${parsed.data.id}" already appears on line ${first}` });
      continue;
    }
    seen.set(parsed.data.id, line);
    lessons.push(parsed.data);
  }
  if (problems.length > 0) {
    const listed = problems
      .slice(0, 10)
      .map((p) => `line ${p.line}: ${p.message}`)
      .join("; ");
    throw new DatasetError(
      file,
      problems[0]?.line,
      `${problems.length} bad line(s), nothing imported: ${listed}${problems.length > 10 ? "; …" : ""}. Each line must be one lesson as written by lanpo memory export`,
    );
  }
  return lessons;
}
