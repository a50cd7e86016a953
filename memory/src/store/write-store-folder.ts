import { mkdir } from "node:fs/promises";
import { StorageError } from "@lanpo/core";
import { commitGeneration, newGenerationTag, type SaveStep } from "./atomic-folder.js";
import type { LabelIndex } from "./label-index.js";
import {
  type DocumentsFile,
  MANIFEST_FILE,
  STORE_FORMAT,
  type StoredDocument,
  type StoreManifest,
} from "./store-manifest.js";

/** What a save writes: the live index (absent before the first add), documents and parameters. */
export interface StoreSnapshotSource {
  index: LabelIndex | undefined;
  documents: Iterable<StoredDocument>;
  nextLabel: number;
  parameters: Pick<StoreManifest, "numDimensions" | "M" | "efConstruction" | "efSearch" | "seed"> & {
    /** The projected layout's settings, so that a store saved before its first add keeps them. */
    projection: { dimensions: number; fitAfter: number; rerank: number; auto: boolean } | null;
    /** A store saved before its size was known, whose layout is still to be chosen automatically. */
    autoProjection: boolean;
  };
  /** The last recall calibration, with the check sample's recall measured at this save. */
  calibration: StoreManifest["calibration"];
  /** The recall check sample's bytes (see `RecallCheckSample.toBytes`), when there is one. */
  check: Uint8Array | undefined;
}

/**
 * Writes one store generation into `dir` atomically (see `commitGeneration`). `capture` is called
 * once the folder exists, and index and documents are taken in that one synchronous stretch, so
 * they agree even while adds go on during the save.
 */
export async function writeStoreFolder(
  dir: string,
  capture: () => StoreSnapshotSource,
  onStep?: (step: SaveStep) => void | Promise<void>,
): Promise<void> {
  const tag = newGenerationTag();
  const documentsName = `documents-${tag}.json`;
  const checkName = `check-${tag}.bin`;
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new StorageError(dir, `cannot create the folder: ${(error as Error).message}`, { cause: error });
  }
  // From here to the first await: the snapshot.
  const source = capture();
  const documentsFile: DocumentsFile = { nextLabel: source.nextLabel, documents: [...source.documents] };
  const documentsText = JSON.stringify(documentsFile);
  const snapshot = source.index?.snapshot(dir, tag);
  const counts = {
    documents: documentsFile.documents.length,
    deleted: snapshot?.deleted ?? 0,
    indexElements: snapshot?.elementCount ?? 0,
    capacity: snapshot?.capacity ?? 0,
  };
  const settings = source.parameters.projection;
  const projection =
    snapshot?.projection ?? (settings ? { ...settings, energy: null, decision: "pending" as const } : null);
  const indexFiles = snapshot?.files ?? [];
  await commitGeneration(
    dir,
    [
      ...indexFiles.map((entry) => entry.file),
      { name: documentsName, data: documentsText },
      ...(source.check ? [{ name: checkName, data: source.check }] : []),
    ],
    (written): StoreManifest => {
      const entry = (name: string | undefined) => written.find((file) => file.name === name) ?? null;
      const named = (key: string) => entry(indexFiles.find((file) => file.key === key)?.file.name);
      return {
        format: STORE_FORMAT,
        // 3: a direct graph of the projected layout whose vectors are read from its index file.
        formatVersion: !projection ? 1 : projection.decision === "direct" && !named("vectors") ? 3 : 2,
        space: "cosine",
        numDimensions: source.parameters.numDimensions,
        M: source.parameters.M,
        efConstruction: source.parameters.efConstruction,
        efSearch: source.parameters.efSearch,
        seed: source.parameters.seed,
        ...(projection ? { projection } : {}),
        ...(source.parameters.autoProjection ? { autoProjection: true } : {}),
        ...(source.calibration ? { calibration: source.calibration } : {}),
        counts,
        files: {
          index: named("index"),
          documents: entry(documentsName) as StoreManifest["files"]["documents"],
          ...(projection ? { vectors: named("vectors"), projection: named("projection") } : {}),
          ...(source.check ? { check: entry(checkName) } : {}),
        },
        savedAtMs: Date.now(),
      };
    },
    MANIFEST_FILE,
    onStep,
  );
}
