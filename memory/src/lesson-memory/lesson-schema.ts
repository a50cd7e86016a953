import { z } from "zod";

/** A stored lesson (core's `Lesson`), as found in store metadata and in exported JSONL lines. */
export const lessonSchema = z.object({
  id: z.string().min(1),
  text: z.string().min(1),
  sourceProblemIds: z.array(z.string().min(1)).min(1),
  /** Absent in memories written before twins were excluded by question: derived from problemText then. */
  sourceQuestionKeys: z.array(z.string()).optional(),
  problemText: z.string().min(1),
  createdAtMs: z.number().finite(),
  mergedCount: z.number().int().nonnegative(),
  retrievals: z.number().int().nonnegative(),
  meanAdvantage: z.number().finite().nullable(),
  uses: z.number().int().nonnegative(),
});

/** A lesson before it is stored (core's `LessonDraft`). */
export const lessonDraftSchema = z.object({
  text: z.string().trim().min(1, "lesson text is empty"),
  sourceProblemIds: z.array(z.string().min(1)).min(1, "a lesson needs at least one source problem id"),
  problemText: z.string().trim().min(1, "problem text is empty"),
});

/** First zod issue as "path: message", for error messages that name the field. */
export function describeIssue(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  return { path: issue?.path.join(".") ?? "", message: issue?.message ?? "invalid" };
}
