import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { DatasetError } from "../errors/dataset-error.js";

/**
 * Reads a data file as UTF-8 text, or throws a {@link DatasetError} that names the file, says why
 * (no such file, a folder, no permission) and ends with `hint`, the fix for the caller's context
 * (for example "check the --dataset path").
 */
export async function readDatasetFile(file: string, hint: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw unreadable(file, error, hint);
  }
}

/** {@link readDatasetFile}, synchronously. */
export function readDatasetFileSync(file: string, hint: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw unreadable(file, error, hint);
  }
}

function unreadable(file: string, error: unknown, hint: string): DatasetError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === "ENOENT"
      ? "no such file"
      : code === "EISDIR"
        ? "is a folder, not a file"
        : `cannot read it (${code ?? String(error)})`;
  return new DatasetError(file, undefined, `${why}; ${hint}`, { cause: error });
}
