import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { ConfigError } from "@lanpo/core";
import { type Zippable, zipSync } from "fflate";

/** Options of {@link zipWorkingDir}. */
export interface ZipWorkingDirOptions {
  /**
   * Names of files or folders left out wherever they appear.
   * @default [".git", "__pycache__", "node_modules", ".venv", ".lanpo-cache"]
   */
  excludes?: readonly string[];
  /** Refuse folders whose files add up to more than this, in bytes (Ray's own limit is 500 MiB). @default 500 MiB */
  maxBytes?: number;
}

/** A zipped working directory, named as Ray names its packages. */
export interface ZippedWorkingDir {
  /** `_ray_pkg_<hash>.zip`: the hash is of the files' paths and contents, so an unchanged folder keeps its name. */
  packageName: string;
  /** `gcs://_ray_pkg_<hash>.zip`, for `runtime_env.working_dir`. */
  uri: string;
  zip: Uint8Array;
  files: number;
}

export const DEFAULT_WORKING_DIR_EXCLUDES = [".git", "__pycache__", "node_modules", ".venv", ".lanpo-cache"] as const;

/**
 * Zips a folder the way Ray packs `working_dir`: the folder's contents at the root of the archive
 * (deflated with fflate), named after a hash of the contents. File times are not stored, so the
 * same files always give the same bytes and the same name.
 */
export async function zipWorkingDir(directory: string, options: ZipWorkingDirOptions = {}): Promise<ZippedWorkingDir> {
  const { excludes, maxBytes } = {
    excludes: DEFAULT_WORKING_DIR_EXCLUDES,
    maxBytes: 500 * 1024 * 1024,
    ...options,
  } satisfies Required<ZipWorkingDirOptions>;
  const info = await stat(directory).catch((cause) => {
    throw new ConfigError(
      "workingDir",
      `cannot read ${directory} (${cause.code ?? "error"}); pass an existing folder`,
      {
        cause,
      },
    );
  });
  if (!info.isDirectory())
    throw new ConfigError("workingDir", `${directory} is not a folder; pass the folder to upload`);
  const paths: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (excludes.includes(entry.name)) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) paths.push(path);
    }
  };
  await walk(directory);
  paths.sort();
  const hash = createHash("sha1");
  const tree: Zippable = {};
  let total = 0;
  for (const path of paths) {
    const name = relative(directory, path).split(sep).join("/");
    const data = new Uint8Array(await readFile(path));
    total += data.length;
    if (total > maxBytes) {
      throw new ConfigError(
        "workingDir",
        `${directory} holds more than ${maxBytes} bytes of files; exclude large folders (data, checkpoints) or put them on shared storage`,
      );
    }
    hash.update(name).update("\0").update(data).update("\0");
    tree[name] = [data, { mtime: new Date(1980, 0, 1) }];
  }
  const packageName = `_ray_pkg_${hash.digest("hex").slice(0, 16)}.zip`;
  return { packageName, uri: `gcs://${packageName}`, zip: zipSync(tree, { level: 6 }), files: paths.length };
}
