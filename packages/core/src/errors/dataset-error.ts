import { LanpoError } from "./lanpo-error.js";

/** A data set cannot be read, or one of its rows is malformed. `line` is 1-based. */
export class DatasetError extends LanpoError {
  readonly file: string;
  readonly line: number | undefined;

  constructor(file: string, line: number | undefined, message: string, options?: { cause?: unknown }) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${message}`, options);
    this.name = "DatasetError";
    this.file = file;
    this.line = line;
  }

  static override isInstance(error: unknown): error is DatasetError {
    return LanpoError.isInstance(error) && error.name === "DatasetError";
  }
}
