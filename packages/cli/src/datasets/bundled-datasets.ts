import { DatasetError } from "@lanpo/core";
import type { JsonlRow } from "./read-jsonl.js";
import { firstPresent, requireText } from "./row-fields.js";

/** Names of the data sets shipped in `packages/cli/data` (provenance in `data/SOURCES.md`). */
export type BundledDatasetName = "gsm8k" | "math500" | "aime24" | "amc23";

export const BUNDLED_DATASET_NAMES: readonly BundledDatasetName[] = ["gsm8k", "math500", "aime24", "amc23"];

/** What one row of a set maps to; `key` is unique within the set and becomes `name:key`. */
export interface MappedRow {
  key: string;
  question: string;
  answer: string;
  meta?: Record<string, unknown>;
}

/** How one bundled set is read: its file and the mapping of its fields. */
export interface BundledDatasetSpec {
  file: string;
  mapRow(file: string, row: JsonlRow, index: number): MappedRow;
}

const FIX = "the bundled file should be as published: restore it from git (see data/SOURCES.md)";

/** GSM8K keeps its worked solution in `answer`; the final answer follows `####`, with thousands commas. */
function gsm8kAnswer(file: string, row: JsonlRow): string {
  const solution = requireText(file, row, "answer", FIX);
  const at = solution.lastIndexOf("####");
  const final =
    at < 0
      ? ""
      : solution
          .slice(at + 4)
          .trim()
          .replaceAll(",", "");
  if (final === "") {
    throw new DatasetError(
      file,
      row.line,
      `field "answer" has no final answer after "####"; GSM8K answers end with "#### N". ${FIX}`,
    );
  }
  return final;
}

export const BUNDLED_DATASETS: Readonly<Record<BundledDatasetName, BundledDatasetSpec>> = {
  gsm8k: {
    file: "gsm8k_test.jsonl",
    mapRow: (file, row, index) => ({
      key: String(index),
      question: requireText(file, row, "question", FIX),
      answer: gsm8kAnswer(file, row),
    }),
  },
  math500: {
    file: "math500_test.jsonl",
    mapRow: (file, row) => ({
      key: requireText(file, row, "unique_id", FIX),
      question: requireText(file, row, "problem", FIX),
      answer: requireText(file, row, "answer", FIX),
      meta: { subject: row.value.subject, level: row.value.level },
    }),
  },
  aime24: {
    file: "aime24.jsonl",
    mapRow: (file, row) => ({
      key: requireText(file, row, "id", FIX),
      question: requireText(file, row, "problem", FIX),
      answer: requireText(file, row, "answer", FIX),
      meta: { url: row.value.url },
    }),
  },
  amc23: {
    file: "amc23.jsonl",
    mapRow: (file, row) => ({
      key: requireText(file, row, "id", FIX),
      question: requireText(file, row, firstPresent(row, ["question", "problem"]), FIX),
      // Published as floats (27.0): requireText writes integers without the ".0".
      answer: requireText(file, row, "answer", FIX),
      meta: { url: row.value.url },
    }),
  },
};

export function isBundledDatasetName(name: string): name is BundledDatasetName {
  return (BUNDLED_DATASET_NAMES as readonly string[]).includes(name);
}
