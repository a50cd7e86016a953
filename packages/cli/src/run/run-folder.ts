import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, StorageError } from "@lanpo/core";
import { configErrorFromIssues } from "./config-issues.js";
import { ADDED_FIELD_DEFAULTS, type StoredRunConfig } from "./run-config.js";
import { storedRunConfigSchema } from "./run-config-schema.js";

/** Where everything of one run lives, under one folder. */
export interface RunFolder {
  dir: string;
  config: string;
  pool: string;
  outbox: string;
  memory: string;
  events: string;
  summary: string;
  report: string;
}

export function runFolder(dir: string): RunFolder {
  return {
    dir,
    config: join(dir, "config.json"),
    pool: join(dir, "pool.sqlite"),
    outbox: join(dir, "outbox"),
    memory: join(dir, "memory"),
    events: join(dir, "events.jsonl"),
    summary: join(dir, "summary.json"),
    report: join(dir, "report.html"),
  };
}

/**
 * Creates the folder of a new run. A folder that already holds a run is refused rather than mixed
 * into (the pool would treat its groups as done), unless `overwrite` is set: then that earlier run
 * is deleted. A non-empty folder that is not a run folder is never deleted.
 */
export function createRunFolder(dir: string, options: { overwrite?: boolean } = {}): RunFolder {
  const folder = runFolder(dir);
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new ConfigError("out", `${dir} is a file, not a folder; pass --out a folder path (it is created if missing)`);
  }
  if (options.overwrite && existsSync(folder.config)) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (cause) {
      throw new StorageError(
        dir,
        `cannot delete the earlier run for --overwrite (${(cause as { code?: string }).code ?? String(cause)}); delete it yourself or pass another --out`,
        { cause },
      );
    }
  }
  if (existsSync(folder.config) || existsSync(folder.pool)) {
    throw new ConfigError(
      "out",
      `${dir} already holds a run; continue it with --resume ${dir}, replace it with --overwrite, or pass a new --out folder`,
    );
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new ConfigError("out", `${dir} exists and is not empty; pass a new or empty --out folder`);
  }
  try {
    mkdirSync(folder.memory, { recursive: true });
    mkdirSync(folder.outbox, { recursive: true });
  } catch (cause) {
    throw new StorageError(
      dir,
      `cannot create the run folder (${(cause as { code?: string }).code ?? String(cause)}); pass an --out folder you can write to`,
      { cause },
    );
  }
  return folder;
}

/** Writes `config.json` whole or not at all (temp file + rename). */
export function writeStoredRunConfig(folder: RunFolder, stored: StoredRunConfig): void {
  writeFileAtomic(folder.config, `${JSON.stringify(stored, null, 2)}\n`);
}

/** Reads and validates `DIR/config.json` of a run to resume. */
export function readStoredRunConfig(dir: string): StoredRunConfig {
  const file = runFolder(dir).config;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === "ENOTDIR") {
      throw new ConfigError(
        "resume",
        `${dir} is a file, not a run folder; pass the --out folder of an earlier lanpo run`,
        {
          cause,
        },
      );
    }
    if (code === "ENOENT") {
      const why = existsSync(dir)
        ? "has no config.json, so it is not a lanpo run folder (or the run died before it started)"
        : "does not exist";
      throw new ConfigError(
        "resume",
        `${dir} ${why}; pass the --out folder of an earlier lanpo run, or start a new run with --out`,
        { cause },
      );
    }
    throw new ConfigError(
      "resume",
      `${file} is unreadable (${code ?? (cause as Error).message}); it was not written by lanpo run, or was edited: restore it or start a new run`,
      { cause },
    );
  }
  // Fields added to format 1 later are filled in for run folders written before them.
  const withAdded = typeof raw === "object" && raw !== null ? { ...ADDED_FIELD_DEFAULTS, ...raw } : raw;
  const result = storedRunConfigSchema.safeParse(withAdded);
  if (!result.success) {
    throw configErrorFromIssues(result.error.issues, raw as Record<string, unknown>, (f) => `"${f}" in ${file}`);
  }
  return result.data;
}

export function writeFileAtomic(file: string, text: string): void {
  const temp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (cause) {
    throw new StorageError(
      file,
      `cannot write it (${(cause as { code?: string }).code ?? String(cause)}); free disk space or pick another --out folder`,
      { cause },
    );
  }
}
