import { ExactLessonMemory, HashedLexicalEmbeddings, type LessonMemory } from "@lanpo/core";

/**
 * The lesson memory of `lanpo run`, for the run's `memory/` folder. One function, so the default
 * changes in one line: to `HnswLessonMemory.open({ dir, embeddings: defaultEmbeddings() })` from
 * `@lanpo/memory`, which persists to `dir` so a resumed run keeps its lessons. Until then lessons
 * live in memory: a resumed run starts with none.
 */
export async function openDefaultMemory(_dir: string): Promise<LessonMemory> {
  return new ExactLessonMemory(new HashedLexicalEmbeddings());
}
