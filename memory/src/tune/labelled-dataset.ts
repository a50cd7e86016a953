import { DatasetError, jsonLines, readDatasetFile } from "@lanpo/core";
import { z } from "zod";

/** Texts with a class label each; "same label" is what counts as relevant when tuning. */
export interface LabelledDataset {
  texts: string[];
  labels: string[];
}

const rowSchema = z.record(z.string(), z.unknown());

/**
 * Reads a JSONL file, taking `textField` and `labelField` from each line (labels may be strings
 * or numbers; they are compared as strings). Blank lines are skipped. Any other problem throws
 * `DatasetError` naming the file and the 1-based line.
 */
export async function readLabelledDataset(
  file: string,
  fields: { textField: string; labelField: string },
): Promise<LabelledDataset> {
  const content = await readDatasetFile(file, "check the --dataset path");
  return parseLabelledDataset(file, content, fields);
}

/** {@link readLabelledDataset} on text already in memory; `file` only names it in errors. */
export function parseLabelledDataset(
  file: string,
  content: string,
  fields: { textField: string; labelField: string },
): LabelledDataset {
  const texts: string[] = [];
  const labels: string[] = [];
  for (const { line, value, error } of jsonLines(content)) {
    if (error !== undefined) throw new DatasetError(file, line, error);
    const row = rowSchema.safeParse(value);
    if (!row.success) throw new DatasetError(file, line, "expected a JSON object per line");
    const text = row.data[fields.textField];
    const label = row.data[fields.labelField];
    if (typeof text !== "string" || text.trim() === "") {
      throw new DatasetError(file, line, `field "${fields.textField}" must be a non-empty string; check --text-field`);
    }
    if ((typeof label !== "string" || label === "") && (typeof label !== "number" || !Number.isFinite(label))) {
      throw new DatasetError(
        file,
        line,
        `field "${fields.labelField}" must be a string or number; check --label-field`,
      );
    }
    texts.push(text);
    labels.push(String(label));
  }
  if (texts.length < 2)
    throw new DatasetError(file, undefined, `needs at least 2 rows to leave one out, found ${texts.length}`);
  return { texts, labels };
}
