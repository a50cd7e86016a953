import { existsSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import type { Problem } from "@lanpo/core";
import { ConfigError, DatasetError } from "@lanpo/core";
import { BUNDLED_DATASET_NAMES, BUNDLED_DATASETS, isBundledDatasetName, type MappedRow } from "./bundled-datasets.js";
import { bundledDataDir } from "./data-dir.js";
import { readJsonl } from "./read-jsonl.js";
import { optionalId, requireText } from "./row-fields.js";

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** A bundled set (`gsm8k`, `math500`, `aime24`, `amc23`) or a path to a `.jsonl` file. */
  dataset: string;
  /** Keep only the first `limit` problems, in file order. @default null (all) */
  limit?: number | null;
  /** Question field of a custom file. @default "question" */
  questionField?: string;
  /** Gold-answer field of a custom file. @default "answer" */
  answerField?: string;
  /** Optional id field of a custom file; rows without it are numbered by position. @default "id" */
  idField?: string;
  /** Where the bundled files are. @default packages/cli/data */
  dataDir?: string;
  /** Base of a relative path. @default process.cwd() */
  cwd?: string;
}

/** A loaded data set: its name, the file it came from and its problems with stable ids. */
export interface LoadedDataset {
  name: string;
  file: string;
  problems: Problem[];
}

const UNKNOWN_FIX = `use one of ${BUNDLED_DATASET_NAMES.join(", ")} or a path to a .jsonl file`;

/**
 * Loads a bundled data set or a custom JSON Lines file into problems. Ids are stable across runs:
 * `gsm8k:<row index>`, `math500:<unique_id>`, `aime24:<id>`, `amc23:<id>`; a custom file's own
 * `id` field, or `<file name>:<row index>` without one. Every bad row is a {@link DatasetError}
 * naming file and line, and the whole file is checked even when `limit` keeps fewer problems.
 *
 * @example
 * ```ts
 * const { problems } = loadDataset({ dataset: "gsm8k", limit: 64 });
 * ```
 */
export function loadDataset(options: LoadDatasetOptions): LoadedDataset {
  const { dataset, limit, questionField, answerField, idField, dataDir, cwd } = {
    limit: null,
    questionField: "question",
    answerField: "answer",
    idField: "id",
    dataDir: bundledDataDir(),
    cwd: process.cwd(),
    ...options,
  } satisfies Required<LoadDatasetOptions>;
  if (limit !== null && !(Number.isInteger(limit) && limit >= 1)) {
    throw new ConfigError(
      "limit",
      `must be a whole number of at least 1, got ${String(limit)}; pass e.g. --limit 64, or leave it out for every problem`,
    );
  }
  let name: string;
  let file: string;
  let rows: LocatedRow[];
  if (isBundledDatasetName(dataset)) {
    const spec = BUNDLED_DATASETS[dataset];
    name = dataset;
    file = join(dataDir, spec.file);
    rows = readJsonl(file).map((row, index) => ({ ...spec.mapRow(file, row, index), line: row.line }));
  } else if (looksLikeDatasetPath(dataset, cwd)) {
    file = resolve(cwd, dataset);
    name = basename(file, extname(file));
    const fix = `every row needs "${questionField}" and "${answerField}" (choose other fields with --question-field / --answer-field)`;
    rows = readJsonl(file).map((row, index) => ({
      key: optionalId(file, row, idField) ?? `${name}:${index}`,
      question: requireText(file, row, questionField, fix),
      answer: requireText(file, row, answerField, fix),
      line: row.line,
    }));
  } else {
    throw new DatasetError(dataset, undefined, `unknown dataset "${dataset}"; ${UNKNOWN_FIX}`);
  }
  const problems = toProblems(name, file, rows, isBundledDatasetName(dataset));
  return { name, file, problems: limit === null ? problems : problems.slice(0, limit) };
}

/** Whether `dataset` names a file rather than a (possibly misspelt) bundled set. */
export function looksLikeDatasetPath(dataset: string, cwd: string): boolean {
  return (
    dataset.endsWith(".jsonl") || dataset.includes("/") || dataset.includes("\\") || existsSync(resolve(cwd, dataset))
  );
}

type LocatedRow = MappedRow & { line: number };

function toProblems(name: string, file: string, rows: LocatedRow[], prefix: boolean): Problem[] {
  const firstLine = new Map<string, number>();
  return rows.map((row) => {
    const id = prefix ? `${name}:${row.key}` : row.key;
    const seen = firstLine.get(id);
    if (seen !== undefined) {
      throw new DatasetError(
        file,
        row.line,
        `duplicate problem id "${id}" (first on line ${seen}); ids must be unique: fix the id field, or remove it to number rows by position`,
      );
    }
    firstLine.set(id, row.line);
    const problem: Problem = { id, question: row.question, answer: row.answer };
    if (row.meta) problem.meta = row.meta;
    return problem;
  });
}
