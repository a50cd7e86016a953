import { createHash, randomBytes } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StorageError } from "@lanpo/core";

/** A step of {@link commitGeneration}; tests inject failures between steps to simulate crashes. */
export type SaveStep = "files-written" | "files-renamed" | "manifest-written" | "committed";

/**
 * A file of the generation being saved, written to `<name>.tmp` and then renamed: either its
 * `data`, which is then hashed in memory, or whatever `write` puts there (read back to hash it),
 * or a file the snapshot already wrote to `<name>.tmp` and `measured` on the way.
 */
export type GenerationFile =
  | { name: string; data: Uint8Array | string }
  | { name: string; write: (tempPath: string) => Promise<void> | void }
  | { name: string; measured: { bytes: number; sha256: string } };

export interface WrittenFile {
  name: string;
  bytes: number;
  sha256: string;
}

/** Makes a fresh generation tag so files of two saves never share a name. */
export function newGenerationTag(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}

/**
 * Writes a new generation of files into `dir` and then the manifest that names them, so that the
 * folder always holds one complete generation:
 * each file goes to `<name>.tmp`, is fsynced and renamed (the files are written side by side, so
 * one's fsync overlaps another's write); the manifest is built from their sizes
 * and checksums, written to `manifest.json.tmp`, fsynced and renamed over `manifest.json` (the
 * commit point); the directory is fsynced; only then are files of older generations removed.
 * A crash before the manifest rename leaves the previous manifest and the files it names intact.
 */
export async function commitGeneration(
  dir: string,
  files: readonly GenerationFile[],
  buildManifest: (written: WrittenFile[]) => unknown,
  manifestName: string,
  onStep?: (step: SaveStep) => void | Promise<void>,
): Promise<void> {
  await guard(dir, "cannot create the folder", () => mkdir(dir, { recursive: true }));
  const outcomes = await Promise.allSettled(files.map((file) => writeGenerationFile(dir, file)));
  const failed = outcomes.find((outcome) => outcome.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const written = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<WrittenFile>).value);
  await onStep?.("files-written");
  for (const file of files) {
    await guard(dir, `cannot rename ${file.name}.tmp`, () =>
      rename(join(dir, `${file.name}.tmp`), join(dir, file.name)),
    );
  }
  await fsyncPath(dir);
  await onStep?.("files-renamed");
  const manifestTemp = join(dir, `${manifestName}.tmp`);
  const manifestText = `${JSON.stringify(buildManifest(written), null, 2)}\n`;
  await guard(manifestTemp, "cannot write", () => writeFile(manifestTemp, manifestText));
  await fsyncPath(manifestTemp);
  await onStep?.("manifest-written");
  await guard(dir, `cannot rename ${manifestName}.tmp`, () => rename(manifestTemp, join(dir, manifestName)));
  await fsyncPath(dir);
  await onStep?.("committed");
  await removeStale(dir, new Set([manifestName, ...files.map((f) => f.name)]));
}

/** Writes one file of a generation to its `.tmp` path, fsyncs it, and measures it. */
async function writeGenerationFile(dir: string, file: GenerationFile): Promise<WrittenFile> {
  const tempPath = join(dir, `${file.name}.tmp`);
  if ("measured" in file) {
    await fsyncPath(tempPath);
    return { name: file.name, ...file.measured };
  }
  if ("data" in file) {
    const data = file.data;
    await guard(tempPath, "cannot write", () => writeFile(tempPath, data));
    await fsyncPath(tempPath);
    return { name: file.name, ...measureBytes(data) };
  }
  await guard(tempPath, "cannot write", () => file.write(tempPath));
  await fsyncPath(tempPath);
  return { name: file.name, ...(await measureFile(tempPath)) };
}

/** Size and sha256 of bytes held in memory (a string counts as its UTF-8 encoding, as `writeFile` writes it). */
export function measureBytes(data: Uint8Array | string): { bytes: number; sha256: string } {
  const bytes = typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
  return { bytes, sha256: createHash("sha256").update(data).digest("hex") };
}

/**
 * Size and sha256 of a file, read in 8 MB pieces into one reused buffer, so a large index is never
 * held twice in memory. The reads are synchronous: a few hundred asynchronous round trips through
 * the thread pool took several times longer on a loaded host, for a file the caller waits on.
 */
export async function measureFile(path: string): Promise<{ bytes: number; sha256: string }> {
  return guard(path, "cannot read", () => {
    const hash = createHash("sha256");
    const buffer = Buffer.allocUnsafe(8 * 1024 * 1024);
    const fd = openSync(path, "r");
    let bytes = 0;
    try {
      for (;;) {
        const read = readSync(fd, buffer, 0, buffer.length, bytes);
        if (read === 0) break;
        hash.update(buffer.subarray(0, read));
        bytes += read;
      }
    } finally {
      closeSync(fd);
    }
    return { bytes, sha256: hash.digest("hex") };
  });
}

async function fsyncPath(path: string): Promise<void> {
  await guard(path, "cannot fsync", async () => {
    const handle = await open(path, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/** Removes leftovers of older generations and of interrupted saves (our own names only). */
async function removeStale(dir: string, keep: ReadonlySet<string>): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (keep.has(name)) continue;
    if (
      /^(index|documents|vectors|projection|check)-[a-z0-9]+-[0-9a-f]{8}\.(hnsw|json|f32|bin)(\.tmp)?$/.test(name) ||
      name.endsWith(".json.tmp")
    ) {
      const path = join(dir, name);
      if ((await stat(path).catch(() => undefined))?.isFile()) await rm(path, { force: true });
    }
  }
}

async function guard<T>(path: string, what: string, action: () => Promise<T> | T): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof Error && error.name === "StorageError") throw error;
    const code = (error as { code?: string }).code;
    throw new StorageError(
      path,
      `${what}: ${(error as Error).message ?? String(error)}; check the path, permissions and free space`,
      {
        cause: error,
        ...(code ? { code } : {}),
      },
    );
  }
}
