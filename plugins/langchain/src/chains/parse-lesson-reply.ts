import { parseLessons } from "@lanpo/core";
import { z } from "zod";

/** The structured reply an abstractor is asked for when it can call tools. */
export const lessonListSchema = z.object({
  lessons: z
    .array(z.string())
    .describe("1 to 3 general lessons for similar problems; never this problem's numbers or final answer"),
});

/** Replies past this many characters are cut before parsing: a runaway model must not stall the parser. */
export const MAX_REPLY_CHARS = 64_000;

export interface LessonParseLimits {
  maxLessons: number;
  maxChars: number;
}

/**
 * Lesson texts from an abstractor's reply, whatever shape it came in: tool-call arguments or JSON
 * (`{"lessons": [...]}` or a bare array, in a code fence or not) validated with zod, else bulleted
 * lines as core's `parseLessons` reads them. Returns `undefined` when nothing usable was found.
 */
export function parseLessonReply(
  reply: { args?: unknown; text: string },
  limits: LessonParseLimits,
): string[] | undefined {
  const fromArgs = reply.args === undefined ? undefined : fromJson(reply.args, limits);
  if (fromArgs && fromArgs.length > 0) return fromArgs;
  const text = reply.text.slice(0, MAX_REPLY_CHARS);
  const json = jsonIn(text);
  if (json !== undefined) {
    const parsed = fromJson(json, limits);
    if (parsed && parsed.length > 0) return parsed;
  }
  const bullets = parseLessons(text, limits);
  return bullets.length > 0 ? bullets : undefined;
}

function fromJson(value: unknown, limits: LessonParseLimits): string[] | undefined {
  const list = Array.isArray(value) ? { lessons: value } : value;
  const parsed = lessonListSchema.safeParse(list);
  if (!parsed.success) return undefined;
  return parsed.data.lessons
    .map((t) => t.replace(/^\s*(?:[-*•]|\d+[.)])\s+/, "").trim())
    .filter((t) => t.length >= 12 && t.length <= limits.maxChars && /[a-z]{3}/i.test(t))
    .slice(0, limits.maxLessons);
}

function jsonIn(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text)?.[1];
  for (const candidate of [fenced, text]) {
    const trimmed = candidate?.trim();
    if (!trimmed || !/^[[{]/.test(trimmed)) continue;
    try {
      return JSON.parse(trimmed);
    } catch {}
  }
  return undefined;
}
