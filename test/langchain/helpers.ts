// Shared fixtures of the @lanpo/langchain tests: problems, a memory with lessons, an answer matcher.
import {
  type AnswerMatcher,
  ExactLessonMemory,
  HashedLexicalEmbeddings,
  mentionsAnswer,
  type Problem,
} from "@lanpo/core";

export const trains: Problem = {
  id: "p-trains",
  question: "A train travels at 60 miles per hour for 3 hours. How far does the train travel?",
  answer: "180",
};
export const cars: Problem = {
  id: "p-cars",
  question: "A car travels at 50 miles per hour for 4 hours. How far does the car travel?",
  answer: "200",
};
export const apples: Problem = {
  id: "p-apples",
  question: "Sara has 12 apples and gives away 5 apples. How many apples does Sara have left?",
  answer: "7",
};

/** Stand-in for core's BuiltinAnswerMatcher in tests. */
export const testMatcher: AnswerMatcher = {
  mentions: (text, answer) => mentionsAnswer(text, answer),
  asserts: (text, answer) => /answer is|\\boxed/.test(text) && mentionsAnswer(text, answer),
};

/** A memory with one lesson distilled from the car problem. */
export async function memoryWithCarLesson(): Promise<ExactLessonMemory> {
  let n = 0;
  const memory = new ExactLessonMemory(new HashedLexicalEmbeddings(), {
    generateId: () => `lesson-${++n}`,
    now: () => 1,
  });
  await memory.add([
    {
      text: "Distance equals speed multiplied by time; keep the units.",
      sourceProblemIds: [cars.id],
      problemText: cars.question,
    },
  ]);
  return memory;
}
