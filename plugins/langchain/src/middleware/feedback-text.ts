/**
 * The text LANPO appends to the agent's system message, worded as core's rollout prompt words
 * feedback. Nothing in it says whether the earlier attempt was right.
 */
export function feedbackText(
  lessons: readonly string[],
  reflection: { attempt: string; review: string } | null,
): string {
  const parts: string[] = [];
  if (lessons.length > 0)
    parts.push(`Lessons from solving similar problems:\n${lessons.map((l) => `- ${l}`).join("\n")}`);
  if (reflection) {
    parts.push(
      `Your earlier attempt at this task:\n<attempt>\n${reflection.attempt}\n</attempt>\n\nA review of that attempt:\n<review>\n${reflection.review}\n</review>`,
    );
  }
  return parts.join("\n\n");
}
