import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StorageError } from "@lanpo/core";
import { commitGeneration, newGenerationTag, type SaveStep } from "./atomic-folder.js";
import type { NativeIndex } from "./native-index.js";
import {
  type DocumentsFile,
  MANIFEST_FILE,
  STORE_FORMAT,
  STORE_FORMAT_VERSION,
  type StoredDocument,
  type StoreManifest,
} from "./store-manifest.js";

/** What a save writes: the live index (absent before the first add), documents and parameters. */
export interface StoreSnapshotSource {
  index: NativeIndex | undefined;
  documents: Iterable<StoredDocument>;
  nextLabel: number;
  deletedSlots: number;
  parameters: Pick<StoreManifest, "numDimensions" | "M" | "efConstruction" | "efSearch" | "seed">;
}

/**
 * Writes one store generation into `dir` atomically (see `commitGeneration`). Index and documents
 * are captured in one synchronous stretch, so they agree even while adds go on during the save.
 */
export async function writeStoreFolder(
  dir: string,
  source: StoreSnapshotSource,
  onStep?: (step: SaveStep) => void | Promise<void>,
): Promise<void> {
  const tag = newGenerationTag();
  const indexName = `index-${tag}.hnsw`;
  const documentsName = `documents-${tag}.json`;
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new StorageError(dir, `cannot create the folder: ${(error as Error).message}`, { cause: error });
  }
  // From here to the first await: the snapshot.
  const { index } = source;
  const documentsFile: DocumentsFile = { nextLabel: source.nextLabel, documents: [...source.documents] };
  const documentsText = JSON.stringify(documentsFile);
  const counts = {
    documents: documentsFile.documents.length,
    deleted: source.deletedSlots,
    indexElements: index?.getCurrentCount() ?? 0,
    capacity: index?.getMaxElements() ?? 0,
  };
  if (index) {
    try {
      index.writeIndexSync(join(dir, `${indexName}.tmp`));
    } catch (error) {
      throw new StorageError(join(dir, indexName), `cannot write the index: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  await commitGeneration(
    dir,
    [
      // The index temp file is already written above.
      ...(index ? [{ name: indexName, write: () => undefined }] : []),
      { name: documentsName, write: (path: string) => writeFile(path, documentsText) },
    ],
    (written): StoreManifest => ({
      format: STORE_FORMAT,
      formatVersion: STORE_FORMAT_VERSION,
      space: "cosine",
      ...source.parameters,
      counts,
      files: {
        index: written.find((file) => file.name === indexName) ?? null,
        documents: written.find((file) => file.name === documentsName) as StoreManifest["files"]["documents"],
      },
      savedAtMs: Date.now(),
    }),
    MANIFEST_FILE,
    onStep,
  );
}
