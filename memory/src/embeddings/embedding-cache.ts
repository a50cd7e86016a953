import { createHash } from "node:crypto";
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { StorageError } from "@lanpo/core";

/** A store of vectors keyed by the hash of the text they embed. */
export interface EmbeddingCache {
  get(text: string): Float32Array | undefined;
  /** Remembers the vectors (and persists them, for a file cache) in one write. */
  setMany(entries: ReadonlyArray<readonly [text: string, vector: Float32Array]>): void;
  readonly size: number;
  close(): void;
}

/** SHA-256 of the UTF-8 text: the cache key. Collisions are not a practical concern. */
export function textHash(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** A cache that lives only as long as the process. */
export class MemoryEmbeddingCache implements EmbeddingCache {
  private readonly entries = new Map<string, Float32Array>();

  get(text: string): Float32Array | undefined {
    return this.entries.get(textHash(text).toString("base64"));
  }

  setMany(entries: ReadonlyArray<readonly [string, Float32Array]>): void {
    for (const [text, vector] of entries) this.entries.set(textHash(text).toString("base64"), vector);
  }

  get size(): number {
    return this.entries.size;
  }

  close(): void {}
}

const MAGIC = Buffer.from("LANPOEMB", "ascii");
const VERSION = 1;
const HEADER_BYTES = 16;
const HASH_BYTES = 32;

/**
 * An append-only file of fixed-size records `[sha256(text) | float32 × dimensions]` after a 16-byte
 * header (magic, version, dimensions). Every record is appended with one `write` on an `O_APPEND`
 * descriptor, so several processes may share the file; the whole file is read once at open. A torn
 * last record (a crash mid-write) is cut off at open, so the file stays aligned.
 */
export class FileEmbeddingCache implements EmbeddingCache {
  readonly path: string;
  readonly dimensions: number;
  private readonly entries = new Map<string, Float32Array>();
  private fd: number | undefined;

  constructor(path: string, dimensions: number) {
    this.path = path;
    this.dimensions = dimensions;
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(path, "a+");
      this.load(this.fd);
    } catch (error) {
      if (this.fd !== undefined) closeSync(this.fd);
      if (StorageError.isInstance(error)) throw error;
      throw new StorageError(
        path,
        `cannot open the embedding cache: ${(error as Error).message}. Check the folder is writable, or pass cacheDir: false.`,
        { cause: error },
      );
    }
  }

  private get recordBytes(): number {
    return HASH_BYTES + 4 * this.dimensions;
  }

  private load(fd: number): void {
    const size = fstatSync(fd).size;
    if (size === 0) {
      const header = Buffer.alloc(HEADER_BYTES);
      MAGIC.copy(header, 0);
      header.writeUInt32LE(VERSION, 8);
      header.writeUInt32LE(this.dimensions, 12);
      writeSync(fd, header);
      return;
    }
    const header = Buffer.alloc(HEADER_BYTES);
    const read = readSync(fd, header, 0, HEADER_BYTES, 0);
    if (read < HEADER_BYTES || !header.subarray(0, 8).equals(MAGIC)) {
      throw new StorageError(this.path, "not an embedding cache file (bad header). Delete it; it will be rebuilt.");
    }
    const version = header.readUInt32LE(8);
    const dimensions = header.readUInt32LE(12);
    if (version !== VERSION || dimensions !== this.dimensions) {
      throw new StorageError(
        this.path,
        `cache holds version ${version} vectors of ${dimensions} dimensions, expected version ${VERSION} and ${this.dimensions}. Delete the file or use another cacheDir.`,
      );
    }
    const records = Math.floor((size - HEADER_BYTES) / this.recordBytes);
    const body = Buffer.alloc(records * this.recordBytes);
    if (body.length > 0) readSync(fd, body, 0, body.length, HEADER_BYTES);
    // One copy into an aligned buffer, then views: no per-record allocation.
    const floats = new Float32Array(records * this.dimensions);
    for (let r = 0; r < records; r++) {
      const offset = r * this.recordBytes;
      const key = body.subarray(offset, offset + HASH_BYTES).toString("base64");
      const vector = floats.subarray(r * this.dimensions, (r + 1) * this.dimensions);
      const bytes = body.subarray(offset + HASH_BYTES, offset + this.recordBytes);
      vector.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
      this.entries.set(key, vector);
    }
    const whole = HEADER_BYTES + records * this.recordBytes;
    if (whole < size) ftruncateSync(fd, whole);
  }

  get(text: string): Float32Array | undefined {
    return this.entries.get(textHash(text).toString("base64"));
  }

  setMany(entries: ReadonlyArray<readonly [string, Float32Array]>): void {
    if (this.fd === undefined) throw new StorageError(this.path, "the embedding cache is closed.");
    const fresh = entries.filter(([text]) => !this.entries.has(textHash(text).toString("base64")));
    if (fresh.length === 0) return;
    const out = Buffer.alloc(fresh.length * this.recordBytes);
    fresh.forEach(([text, vector], i) => {
      if (vector.length !== this.dimensions) {
        throw new StorageError(
          this.path,
          `refusing to cache a vector of ${vector.length} dimensions, expected ${this.dimensions}.`,
        );
      }
      const offset = i * this.recordBytes;
      textHash(text).copy(out, offset);
      Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).copy(out, offset + HASH_BYTES);
    });
    try {
      for (let offset = 0; offset < out.length; offset += this.recordBytes) {
        writeSync(this.fd, out, offset, this.recordBytes);
      }
    } catch (error) {
      throw new StorageError(this.path, `cannot append to the embedding cache: ${(error as Error).message}`, {
        cause: error,
      });
    }
    for (const [text, vector] of fresh) this.entries.set(textHash(text).toString("base64"), vector);
  }

  get size(): number {
    return this.entries.size;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
