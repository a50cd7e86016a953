import type { Lesson } from "@lanpo/core";
import { DatasetError } from "@lanpo/core";
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
  content.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      problems.push({ line, message: `not valid JSON (${(error as Error).message})` });
      return;
    }
    const parsed = lessonSchema.safeParse(json);
    if (!parsed.success) {
      const { path, message } = describeIssue(parsed.error);
      problems.push({ line, message: `${path || "lesson"}: ${message}` });
      return;
    }
    const first = seen.get(parsed.data.id);
    if (first !== undefined) {
      problems.push({ line, message: `lesson id "${parsed.data.id}" already appears on line ${first}` });
      return;
    }
    seen.set(parsed.data.id, line);
    lessons.push(parsed.data);
  });
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
