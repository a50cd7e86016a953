import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { StorageError } from "../errors/storage-error.js";

/** What {@link JsonlLog.open} found in an existing file. */
export interface JsonlLogContents {
  log: JsonlLog;
  /** Every complete record, in file order. */
  records: unknown[];
  /**
   * 1 when the file ended in a torn line (a crash mid-append) that was dropped, else 0. The torn
   * line was never reported as written, so dropping it loses nothing that was promised.
   */
  tornLinesDropped: number;
}

/**
 * An append-only JSON-lines file whose appends are durable when they resolve: each append is one
 * write followed by an fsync, and a failed append is cut back off the file so it never leaves a
 * partial line for the next append to run into.
 */
export class JsonlLog {
  readonly path: string;
  #handle: FileHandle;
  #appending: Promise<void> = Promise.resolve();
  #size: number;

  private constructor(path: string, handle: FileHandle, size: number) {
    this.path = path;
    this.#handle = handle;
    this.#size = size;
  }

  /**
   * Opens (creating it and its folder if needed) and reads the log. A torn last line is dropped
   * and cut off; a malformed line before the last one means the file was damaged some other way,
   * and is a StorageError (code `LANPO_CORRUPT`) naming the line.
   */
  static async open(path: string): Promise<JsonlLogContents> {
    let handle: FileHandle | undefined;
    try {
      await mkdir(dirname(path), { recursive: true });
      handle = await open(path, "a+");
      const { size } = await handle.stat();
      // Read exactly `size` bytes rather than to end of file: a device such as /dev/full never ends.
      const buffer = Buffer.alloc(size);
      let read = 0;
      while (read < size) {
        const { bytesRead } = await handle.read(buffer, read, size - read, read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      const { records, validBytes } = parse(path, buffer.subarray(0, read));
      const torn = validBytes < read;
      if (torn) {
        await handle.truncate(validBytes);
        await handle.sync();
      }
      if (size === 0) await syncDirectory(dirname(path));
      return { log: new JsonlLog(path, handle, validBytes), records, tornLinesDropped: torn ? 1 : 0 };
    } catch (error) {
      await handle?.close().catch(() => {});
      throw asStorageError(path, "opening", error);
    }
  }

  /**
   * Opens (creating it and its folder if needed) and reads the log one line at a time, handing each
   * complete record to `onRecord` without holding the file in memory. Torn and damaged lines are
   * handled as in {@link JsonlLog.open}.
   */
  static async openStreaming(
    path: string,
    onRecord: (record: unknown, line: number) => void,
  ): Promise<Omit<JsonlLogContents, "records">> {
    let handle: FileHandle | undefined;
    try {
      await mkdir(dirname(path), { recursive: true });
      handle = await open(path, "a+");
      const { size } = await handle.stat();
      const chunk = Buffer.alloc(Math.min(Math.max(size, 1), 1 << 20));
      let carry = Buffer.alloc(0);
      let offset = 0;
      let validBytes = 0;
      let line = 0;
      reading: while (offset < size) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - offset), offset);
        if (bytesRead === 0) break;
        // `data` starts at byte `base` of the file: the unterminated tail of the last chunk, then this one.
        const base = offset - carry.length;
        offset += bytesRead;
        const data =
          carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
        let start = 0;
        for (let end = data.indexOf(0x0a, start); end !== -1; end = data.indexOf(0x0a, start)) {
          line += 1;
          const bytes = data.subarray(start, end);
          if (bytes.length === 0) {
            start = end + 1;
            validBytes = base + start;
            continue;
          }
          let record: unknown;
          try {
            record = JSON.parse(bytes.toString("utf8"));
          } catch (cause) {
            // A crash can leave a zero-filled tail; anything else before the end is real damage.
            if (bytes.every((b) => b === 0)) break reading;
            throw new StorageError(
              path,
              `line ${line} is not valid JSON, so the file was damaged after it was written; move the file away ` +
                "(its complete lines can be recovered by hand) and start a new one",
              { cause, code: "LANPO_CORRUPT" },
            );
          }
          onRecord(record, line);
          start = end + 1;
          validBytes = base + start;
        }
        carry = Buffer.from(data.subarray(start));
      }
      const torn = validBytes < size;
      if (torn) {
        await handle.truncate(validBytes);
        await handle.sync();
      }
      if (size === 0) await syncDirectory(dirname(path));
      return { log: new JsonlLog(path, handle, validBytes), tornLinesDropped: torn ? 1 : 0 };
    } catch (error) {
      await handle?.close().catch(() => {});
      throw asStorageError(path, "opening", error);
    }
  }

  /** Bytes of complete records in the file. */
  get size(): number {
    return this.#size;
  }

  /**
   * Replaces the whole file with `records` (a compaction): written to a temporary file, fsynced,
   * renamed over the log, then the folder fsynced, so a crash leaves either the old file or the
   * new one. The log keeps appending to the new file.
   */
  async rewrite(records: readonly unknown[]): Promise<void> {
    const temp = `${this.path}.compact-${process.pid}`;
    const data = Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(""));
    let out: FileHandle | undefined;
    try {
      out = await open(temp, "w");
      await out.write(data);
      await out.sync();
      await out.close();
      out = undefined;
      await rename(temp, this.path);
      await syncDirectory(dirname(this.path));
      const fresh = await open(this.path, "a+");
      await this.#handle.close();
      this.#handle = fresh;
      this.#size = data.length;
    } catch (error) {
      await out?.close().catch(() => {});
      await rm(temp, { force: true }).catch(() => {});
      throw asStorageError(this.path, "writing", error);
    }
  }

  /**
   * Appends the records as lines in one write, then fsyncs (unless `sync: false`: for records whose
   * loss in a crash is harmless). Throws a StorageError (`ENOSPC`, ...).
   */
  async append(records: readonly unknown[], options: { sync?: boolean } = {}): Promise<void> {
    const data = Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(""));
    // One append at a time: a failed one cuts the file back to the size before it, which must not
    // cut off a line another append already reported as written.
    const done = this.#appending.then(async () => {
      try {
        await this.#handle.write(data);
        if (options.sync !== false) await this.#handle.sync();
        this.#size += data.length;
      } catch (error) {
        // Part of the write may have landed: cut it off so the next append starts on a fresh line.
        await this.#handle.truncate(this.#size).catch(() => {});
        throw asStorageError(this.path, "writing", error);
      }
    });
    this.#appending = done.catch(() => {});
    return done;
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}

function parse(path: string, buffer: Buffer): { records: unknown[]; validBytes: number } {
  const records: unknown[] = [];
  let start = 0;
  let line = 0;
  while (start < buffer.length) {
    const end = buffer.indexOf(0x0a, start);
    if (end === -1) break; // unterminated: torn
    line += 1;
    const text = buffer.subarray(start, end).toString("utf8");
    try {
      records.push(JSON.parse(text));
    } catch (cause) {
      // A crash can also leave a zero-filled tail; anything else before the end is real damage.
      const rest = buffer.subarray(start);
      if (rest.every((byte) => byte === 0 || byte === 0x0a)) break;
      throw new StorageError(
        path,
        `line ${line} is not valid JSON, so the file was damaged after it was written; move the file away ` +
          "(its complete lines can be recovered by hand) and start a new one",
        { cause, code: "LANPO_CORRUPT" },
      );
    }
    start = end + 1;
  }
  return { records, validBytes: start };
}

async function syncDirectory(path: string): Promise<void> {
  // A new file's name is durable only once its folder is synced. Some platforms cannot open a
  // folder for syncing; there is nothing more to do there.
  const handle = await open(path, "r").catch(() => undefined);
  await handle?.sync().catch(() => {});
  await handle?.close();
}

function asStorageError(path: string, action: "opening" | "writing", error: unknown): StorageError {
  if (StorageError.isInstance(error)) return error;
  const code = (error as { code?: unknown })?.code;
  const advice =
    code === "ENOSPC" || code === "EDQUOT"
      ? "the disk is full: free space, then flush or resume"
      : code === "EACCES" || code === "EPERM" || code === "EROFS"
        ? "check the folder's permissions"
        : "see the cause";
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError(path, `${action} failed (${message}): ${advice}`, {
    cause: error,
    code: typeof code === "string" ? code : undefined,
  });
}
