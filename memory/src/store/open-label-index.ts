import { readFile } from "node:fs/promises";
import { StorageError } from "@lanpo/core";
import { DirectIndex } from "./direct-index.js";
import type { LabelIndex } from "./label-index.js";
import { type NativeIndexParameters, readNativeIndex } from "./native-index.js";
import { PcaProjection } from "./pca-projection.js";
import { ProjectedIndex } from "./projected-index.js";
import type { StoreFolderContents } from "./read-store-folder.js";
import { VectorTable } from "./vector-table.js";

/**
 * Builds the index of a verified store folder (see `readStoreFolder`): the direct layout's graph,
 * or the projected layout's graph, exact vectors and basis. Undefined for a store saved empty.
 */
export async function openLabelIndex(
  dir: string,
  contents: StoreFolderContents,
  parameters: NativeIndexParameters,
): Promise<LabelIndex | undefined> {
  const { manifest, documents, indexPath, vectorsPath, projectionPath } = contents;
  if (!indexPath) return undefined;
  const { numDimensions, projection: settings, counts } = manifest;
  if (!settings) {
    const native = readNativeIndex(
      dir,
      indexPath,
      "cosine",
      numDimensions,
      parameters.efSearch,
      counts.indexElements,
      documents.documents,
    );
    return DirectIndex.fromNative(native, counts.deleted);
  }
  const labels = documents.documents.map((doc) => doc.label);
  let table: VectorTable | undefined;
  if (vectorsPath) {
    table = VectorTable.fromBytes(
      vectorsPath,
      contents.bytes.vectors ?? (await readFile(vectorsPath)),
      numDimensions,
      labels,
    );
  } else if (settings.decision === "direct" && manifest.formatVersion >= 3) {
    // The direct graph holds the unit vectors themselves: the rows are taken from it when first
    // needed (readStoreFolder checked them); a store that is only searched and added to never needs them.
    table = undefined;
  } else {
    throw new StorageError(dir, "projected index without its vectors file", { code: "MISMATCH" });
  }
  let projection: PcaProjection | undefined;
  if (projectionPath && settings.energy !== null) {
    const bytes = contents.bytes.projection ?? (await readFile(projectionPath));
    projection = PcaProjection.fromBytes(projectionPath, bytes, numDimensions, settings.dimensions, settings.energy);
  }
  const native = readNativeIndex(
    dir,
    indexPath,
    "ip",
    projection ? settings.dimensions : numDimensions,
    parameters.efSearch,
    counts.indexElements,
    documents.documents,
  );
  const { dimensions, fitAfter, rerank } = settings;
  return ProjectedIndex.fromState(
    numDimensions,
    parameters,
    { dimensions, fitAfter, rerank, auto: settings.auto ?? false },
    {
      native,
      ...(table ? { table } : { liveLabels: labels }),
      projection,
      deleted: counts.deleted,
      decision: settings.decision ?? (projection ? "projected" : "pending"),
    },
  );
}
