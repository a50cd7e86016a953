import type Database from "better-sqlite3";
import { StorageError } from "../errors/storage-error.js";

/** One schema change. Migrations run in `version` order, each in its own transaction. */
export interface SqliteMigration {
  version: number;
  description: string;
  sql: string;
}

/**
 * Every schema change of the SQLite experience pool, oldest first. Append only: never edit a
 * migration that has shipped, add the next version instead.
 */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    description: "groups, rollouts and reflections",
    sql: `
      CREATE TABLE groups (
        problem_id TEXT NOT NULL,
        step INTEGER NOT NULL,
        rollout_count INTEGER NOT NULL,
        recorded_at_ms INTEGER NOT NULL,
        PRIMARY KEY (problem_id, step)
      ) WITHOUT ROWID;
      CREATE INDEX groups_by_step ON groups (step);
      CREATE TABLE rollouts (
        id TEXT PRIMARY KEY,
        problem_id TEXT NOT NULL,
        step INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        feedback TEXT NOT NULL,
        messages TEXT NOT NULL,
        original_messages TEXT NOT NULL,
        question TEXT NOT NULL,
        completion TEXT NOT NULL,
        reward REAL,
        advantage REAL,
        reflection_id TEXT,
        lesson_ids TEXT NOT NULL,
        policy_version TEXT NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        latency_ms REAL NOT NULL,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        feedback_tokens INTEGER NOT NULL,
        FOREIGN KEY (problem_id, step) REFERENCES groups (problem_id, step),
        UNIQUE (problem_id, step, idx)
      );
      CREATE INDEX rollouts_by_step ON rollouts (step, problem_id, idx);
      CREATE TABLE reflections (
        id TEXT PRIMARY KEY,
        problem_id TEXT NOT NULL,
        step INTEGER NOT NULL,
        attempt_id TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        FOREIGN KEY (problem_id, step) REFERENCES groups (problem_id, step)
      );
    `,
  },
  {
    version: 2,
    description: "what a trainer needs of each sample, the run id, finished steps, undistilled groups",
    sql: `
      ALTER TABLE rollouts ADD COLUMN group_id TEXT NOT NULL DEFAULT '';
      ALTER TABLE rollouts ADD COLUMN estimator TEXT NOT NULL DEFAULT 'grpo';
      ALTER TABLE rollouts ADD COLUMN finish_reason TEXT;
      ALTER TABLE rollouts ADD COLUMN model TEXT;
      ALTER TABLE rollouts ADD COLUMN extra TEXT;
      ALTER TABLE groups ADD COLUMN distilled INTEGER NOT NULL DEFAULT 1;
      CREATE INDEX groups_undistilled ON groups (distilled) WHERE distilled = 0;
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE steps (
        step INTEGER PRIMARY KEY,
        batch_id TEXT,
        finished_at_ms INTEGER NOT NULL
      );
    `,
  },
];

/** The schema version this build of @lanpo/core writes. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS.at(-1)?.version ?? 0;

/**
 * Brings the database at `path` to {@link SQLITE_SCHEMA_VERSION}. A file written by a newer
 * @lanpo/core is refused rather than guessed at: its tables may mean something this build does
 * not know.
 */
export function migrate(db: Database.Database, path: string): void {
  // One immediate transaction around check and upgrade: two processes opening an old pool at once
  // cannot both apply the same migration.
  db.transaction(() => {
    const current = readVersion(db, path);
    if (current > SQLITE_SCHEMA_VERSION) {
      throw new StorageError(
        path,
        `this pool has schema version ${current}, written by a newer @lanpo/core; this version reads up to schema ` +
          `version ${SQLITE_SCHEMA_VERSION}. Upgrade @lanpo/core to open it.`,
        { code: "LANPO_SCHEMA_NEWER" },
      );
    }
    for (const migration of SQLITE_MIGRATIONS) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      db.prepare("DELETE FROM schema_version").run();
      db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(migration.version);
    }
  }).immediate();
}

function readVersion(db: Database.Database, path: string): number {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  if (!tables.includes("schema_version")) {
    if (tables.length > 0) {
      throw new StorageError(
        path,
        `is an SQLite database but not a LANPO experience pool (it has tables ${tables.join(", ")} and no ` +
          "schema_version); point the pool at a new file",
        { code: "LANPO_NOT_A_POOL" },
      );
    }
    db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    return 0;
  }
  const version = db.prepare("SELECT MAX(version) FROM schema_version").pluck().get();
  return typeof version === "number" ? version : 0;
}
