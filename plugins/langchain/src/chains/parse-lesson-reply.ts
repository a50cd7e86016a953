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
 * (`{"lessons": [...]}` or a bare array, in a code fence or not; `lessons` may also arrive as one
 * string, JSON-encoded or bulleted, and items as `{ "lesson": ... }` objects), the complete items
 * of JSON cut off mid-reply, else bulleted lines as core's `parseLessons` reads them. Returns
 * `undefined` when nothing usable was found.
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
  const salvaged = keep(completeItemsOfCutJson(text), limits);
  if (salvaged.length > 0) return salvaged;
  const bullets = parseLessons(text, limits);
  return bullets.length > 0 ? bullets : undefined;
}

function fromJson(value: unknown, limits: LessonParseLimits): string[] | undefined {
  const list = Array.isArray(value) ? { lessons: value } : value;
  const lessons = (list as { lessons?: unknown } | null)?.lessons;
  const parsed = lessonListSchema.safeParse({ lessons: lessonItems(lessons, limits) });
  if (!parsed.success) return undefined;
  return keep(parsed.data.lessons, limits);
}

/** `lessons` as models send it: a list (of strings or `{ lesson | text }` objects) or one string. */
function lessonItems(lessons: unknown, limits: LessonParseLimits): unknown {
  if (typeof lessons === "string") {
    const decoded = jsonIn(lessons);
    if (Array.isArray(decoded)) return lessonItems(decoded, limits);
    const bullets = parseLessons(lessons, limits);
    return bullets.length > 0 ? bullets : [lessons];
  }
  if (!Array.isArray(lessons)) return lessons;
  return lessons.map((item) => {
    if (typeof item !== "object" || item === null) return item;
    const { lesson, text } = item as { lesson?: unknown; text?: unknown };
    return typeof lesson === "string" ? lesson : text;
  });
}

function keep(texts: readonly string[], limits: LessonParseLimits): string[] {
  return texts
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

/**
 * The complete string items of a lesson list whose JSON was cut off (a reply that hit its token
 * limit): `{"lessons": ["one", "two", "thr` gives `["one", "two"]`. Only text that starts as such
 * a list is read.
 */
function completeItemsOfCutJson(text: string): string[] {
  const start = /^\s*(?:```(?:json)?\s*)?(?:\{\s*"lessons"\s*:\s*)?\[/i.exec(text);
  if (!start) return [];
  const items: string[] = [];
  const item = /\s*("(?:[^"\\]|\\.)*")\s*(,|\])?/y;
  item.lastIndex = start[0].length;
  for (let match = item.exec(text); match; match = item.exec(text)) {
    try {
      items.push(JSON.parse(match[1] as string) as string);
    } catch {
      break;
    }
    if (match[2] !== ",") break;
  }
  return items;
}
