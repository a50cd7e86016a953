import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { ConfigError } from "@lanpo/core";

/**
 * Checks, before a run starts, that the embedding cache folder (`--cache-dir`, else
 * `$LANPO_CACHE_DIR`) can be created and written: otherwise the run would fail at its first
 * lesson with an error about a file deep inside it. `null` (the default folder) is checked by the
 * embeddings themselves.
 */
export function checkCacheDir(dir: string | null): void {
  if (dir === null) return;
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error("not a folder"), { code: "ENOTDIR" });
    accessSync(dir, constants.W_OK);
  } catch (cause) {
    const code = (cause as { code?: string }).code ?? String(cause);
    const why = code === "ENOTDIR" || code === "EEXIST" ? "is a file, not a folder" : `cannot be written (${code})`;
    throw new ConfigError(
      "cacheDir",
      `the embedding cache ${dir} ${why}; pass --cache-dir with a folder you can write to, or set LANPO_CACHE_DIR to one`,
      { cause },
    );
  }
}
