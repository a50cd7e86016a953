import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { StorageError } from "@lanpo/core";
import { MANIFEST_FILE } from "./store-manifest.js";

/** Every name a store save writes: the manifest, each generation's files, and their `.tmp` forms. */
const STORE_FILE =
  /^(?:manifest\.json|(?:index|documents|vectors|projection|check)-[A-Za-z0-9-]+\.(?:hnsw|json|f32|bin))(?:\.tmp)?$/;

/**
 * Removes a saved store's files from `dir` (what LangChain's `HNSWLib.delete({ directory })`
 * does for its three files), manifest first so that a half-removed folder never reads as a store.
 * Other files and the folder itself stay. A folder with no store in it is an error
 * (`StorageError` ENOENT or MANIFEST), so a mistyped path is not silently taken for done.
 */
export async function removeStoreFiles(dir: string): Promise<void> {
  const names = await readdir(dir).catch((error: unknown) => {
    throw new StorageError(dir, `no store folder here (${(error as Error).message}); check the path`, {
      code: "ENOENT",
      cause: error,
    });
  });
  if (!names.includes(MANIFEST_FILE)) {
    throw new StorageError(dir, `no ${MANIFEST_FILE} here: this folder holds no saved HnswLessonStore`, {
      code: "MANIFEST",
    });
  }
  try {
    await rm(join(dir, MANIFEST_FILE));
    for (const name of names)
      if (name !== MANIFEST_FILE && STORE_FILE.test(name)) await rm(join(dir, name), { force: true });
  } catch (error) {
    throw new StorageError(dir, `cannot remove the store's files: ${(error as Error).message}`, { cause: error });
  }
}
