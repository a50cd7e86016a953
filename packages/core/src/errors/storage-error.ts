import { LanpoError } from "./lanpo-error.js";

/**
 * A file the project persists to (pool, outbox, memory folder) cannot be opened, read or written:
 * a newer schema, a truncated file, a full disk. `path` names the file; `code` is the system error
 * code when there is one (for example `ENOSPC`).
 */
export class StorageError extends LanpoError {
  readonly path: string;
  readonly code: string | undefined;

  constructor(path: string, message: string, options?: { cause?: unknown; code?: string }) {
    super(`${path}: ${message}`, { cause: options?.cause });
    this.name = "StorageError";
    this.path = path;
    this.code = options?.code ?? (options?.cause as { code?: string } | undefined)?.code;
  }

  static override isInstance(error: unknown): error is StorageError {
    return LanpoError.isInstance(error) && error.name === "StorageError";
  }
}
