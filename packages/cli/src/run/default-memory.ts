import { SyntheticEmbeddings } from "@langchain/core/utils/testing";
import { ExactLessonMemory, type LessonMemory } from "@lanpo/core";

/**
 * The lesson memory of `lanpo run`, kept in the run's `memory/` folder. One function so the
 * default can change in one line (to `HnswLessonMemory.open` from `@lanpo/memory`).
 */
export async function openDefaultMemory(_dir: string): Promise<LessonMemory> {
  return new ExactLessonMemory(new SyntheticEmbeddings({ vectorSize: 64 }));
}
