// Shared setup of the trainer tests: problems with distinctive gold answers and a policy that
// answers them right on a fixed schedule, so tests know which attempts were right.
import type { ChatMessageRecord, Problem } from "@lanpo/core";
import { ABSTRACTION_MARKER, REFLECTION_MARKER } from "@lanpo/core";
import { MockChatModel } from "@lanpo/core/testing";

export const PROBLEMS: Problem[] = [
  {
    id: "p1",
    question: "A farmer has 12 rows of 7391 plants minus 88,707 plants. How many plants in total?",
    answer: "7385",
  },
  { id: "p2", question: "Tom reads 17 pages a day for 23 days. How many pages does he read?", answer: "391" },
  {
    id: "p3",
    question: "A tank holds 640 litres and leaks 16 litres an hour. After how many hours is it empty?",
    answer: "40",
  },
  { id: "p4", question: "Sara buys 9 boxes of 26 pencils. How many pencils does she have?", answer: "234" },
];

export function userText(messages: readonly ChatMessageRecord[]): string {
  return messages
    .filter((m) => m.role === "user")
    .map((m) => m.content)
    .join("\n");
}

export function kindOf(messages: readonly ChatMessageRecord[]): "reflect" | "abstract" | "rollout" {
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  if (system.includes(REFLECTION_MARKER)) return "reflect";
  if (system.includes(ABSTRACTION_MARKER)) return "abstract";
  return "rollout";
}

/** Strips the policy's own quoted attempt, the one part of a context allowed to hold the answer. */
export function withoutOwnAttempt(text: string): string {
  return text
    .replace(/<attempt>[\s\S]*?<\/attempt>/g, "<attempt/>")
    .replace(/Attempt:\n[\s\S]*?\n\nYour review:/g, "Attempt: <quoted>\n\nYour review:");
}

/** One lesson per problem, far apart in wording, so none merges into another's. */
const DISTINCT_LESSONS = [
  "Group equal rows first, then subtract whatever is removed from the grand total.",
  "A daily rate times a number of days gives the whole amount read.",
  "Divide a capacity by the loss per hour to find when a container runs dry.",
  "Packages times items per package counts everything bought.",
];

/**
 * A policy that answers problem rollouts right on every other call (per problem), critiques
 * briefly, and writes lessons; `lessonText` lets a test make the abstractor leak on purpose.
 */
export function alternatingPolicy(options: { lessonText?: (question: string) => string } = {}) {
  const seen = new Map<string, number>();
  return new MockChatModel({
    respond: (messages) => {
      const kind = kindOf(messages);
      const user = userText(messages);
      if (kind === "reflect") return "The second step multiplies the wrong quantities; check each operation.";
      if (kind === "abstract") {
        const index = PROBLEMS.findIndex((p) => user.includes(p.question));
        return options.lessonText?.(user) ?? `- ${DISTINCT_LESSONS[index] ?? DISTINCT_LESSONS[0]}`;
      }
      const problem = PROBLEMS.find((p) => user.startsWith(p.question));
      if (!problem) return "no idea";
      const n = seen.get(problem.id) ?? 0;
      seen.set(problem.id, n + 1);
      return n % 2 === 0
        ? `So the total is \\boxed{${problem.answer}}.`
        : `So the total is \\boxed{${Number(problem.answer) + 3}}.`;
    },
  });
}
