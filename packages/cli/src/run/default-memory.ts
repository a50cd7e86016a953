import { join } from "node:path";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { ConfigError, HashedLexicalEmbeddings, type LessonMemory } from "@lanpo/core";
import * as memoryPackage from "@lanpo/memory";
import { HnswLessonMemory } from "@lanpo/memory";
import type { RunConfig } from "./run-config.js";

/**
 * The lesson memory of `lanpo run`: an HNSW memory persisted in the run's `memory/` folder, so a
 * resumed run keeps its lessons. `embeddings` is part of the stored config: a memory folder can
 * only be reopened with the embeddings that built it. One function, so the default changes in one
 * place.
 */
export async function openDefaultMemory(
  dir: string,
  embeddings: RunConfig["embeddings"],
  cacheDir: string | null = null,
): Promise<LessonMemory> {
  return HnswLessonMemory.open({ dir, embeddings: createEmbeddings(embeddings, cacheDir) });
}

function createEmbeddings(kind: RunConfig["embeddings"], cacheDir: string | null): EmbeddingsInterface {
  if (kind === "lexical") return new HashedLexicalEmbeddings();
  // Looked up by name so the CLI builds whether or not this build of @lanpo/memory has it.
  const factory = (memoryPackage as Record<string, unknown>).defaultEmbeddings;
  if (typeof factory !== "function") {
    throw new ConfigError(
      "embeddings",
      "the default embeddings are not in this build of @lanpo/memory; pass --embeddings lexical",
    );
  }
  return (factory as (options?: { cacheDir?: string }) => EmbeddingsInterface)(
    cacheDir === null ? {} : { cacheDir: join(cacheDir, "embeddings") },
  );
}
