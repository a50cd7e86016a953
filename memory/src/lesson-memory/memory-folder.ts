import { mkdir, open, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StorageError } from "@lanpo/core";
import { z } from "zod";

export const MEMORY_INFO_FILE = "lanpo-memory.json";
export const PROBLEMS_DIR = "problems";
export const TEXTS_DIR = "texts";

const memoryInfoSchema = z.object({
  format: z.literal("lanpo-lesson-memory"),
  formatVersion: z.literal(1),
  numDimensions: z.number().int().positive(),
  embeddingsId: z.string(),
});

/** `lanpo-memory.json`: what a memory folder was built with, checked on every open. */
export type MemoryFolderInfo = z.infer<typeof memoryInfoSchema>;

/**
 * Reads the folder's info file. Returns undefined for a folder that does not exist, is empty, or
 * holds only an uncommitted info file (a new memory); throws `StorageError` (code MANIFEST) for a
 * folder with other content.
 */
export async function readMemoryFolderInfo(dir: string): Promise<MemoryFolderInfo | undefined> {
  const entries = await readdir(dir).catch(() => undefined);
  // A process killed while writing the info file of its first save leaves only the temporary
  // file: nothing was committed, so the folder is still new.
  if (!entries || entries.every((name) => name === `${MEMORY_INFO_FILE}.tmp`)) return undefined;
  const text = await readFile(join(dir, MEMORY_INFO_FILE), "utf8").catch(() => undefined);
  if (text === undefined) {
    throw new StorageError(dir, `not a lesson memory folder (no ${MEMORY_INFO_FILE}); pick an empty or new folder`, {
      code: "MANIFEST",
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StorageError(join(dir, MEMORY_INFO_FILE), "not valid JSON; the folder is damaged", {
      code: "MANIFEST",
      cause: error,
    });
  }
  const parsed = memoryInfoSchema.safeParse(json);
  if (!parsed.success) {
    throw new StorageError(join(dir, MEMORY_INFO_FILE), `unexpected content (${parsed.error.issues[0]?.message})`, {
      code: "MANIFEST",
    });
  }
  return parsed.data;
}

/** Writes the info file atomically (temporary file, fsync, rename). */
export async function writeMemoryFolderInfo(
  dir: string,
  info: Omit<MemoryFolderInfo, "format" | "formatVersion">,
): Promise<void> {
  const path = join(dir, MEMORY_INFO_FILE);
  const temp = `${path}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temp, `${JSON.stringify({ format: "lanpo-lesson-memory", formatVersion: 1, ...info }, null, 2)}\n`);
    const handle = await open(temp, "r");
    await handle.sync().finally(() => handle.close());
    await rename(temp, path);
  } catch (error) {
    throw new StorageError(path, `cannot write: ${(error as Error).message}`, { cause: error });
  }
}
