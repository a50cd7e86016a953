import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ConfigError,
  type Rollout,
  SQLITE_SCHEMA_VERSION,
  SqliteExperiencePool,
  type SqliteExperiencePoolOptions,
  StorageError,
} from "@lanpo/core";
import test from "ava";
import Database from "better-sqlite3";
import { makeGroup } from "../fixtures/pool-groups.js";
import { experiencePoolContract } from "./experience-pool-contract.js";

const tempFile = (name = "pool.sqlite") => join(mkdtempSync(join(tmpdir(), "lanpo-pool-")), name);

experiencePoolContract("SqliteExperiencePool", () => SqliteExperiencePool.open(tempFile()));

function storageError(t: { true: (v: boolean, m?: string) => void }, error: unknown): StorageError {
  t.true(StorageError.isInstance(error), String(error));
  return error as StorageError;
}

test("groups survive closing and reopening, with every field", async (t) => {
  const path = tempFile();
  const pool = SqliteExperiencePool.open(path);
  await pool.recordGroup(makeGroup("a", 0, { size: 5, failed: [2] }));
  await pool.recordGroup(makeGroup("b", 1));
  await pool.close();
  const reopened = SqliteExperiencePool.open(path);
  t.deepEqual(await reopened.rolloutsOfStep(0), makeGroup("a", 0, { size: 5, failed: [2] }).rollouts);
  t.deepEqual(await reopened.stats(), {
    groups: 2,
    rollouts: 9,
    failedRollouts: 1,
    unscoredRollouts: 0,
    reflections: 2,
    problems: 2,
  });
  t.is(await reopened.lastStep(), 1);
  await reopened.close();
});

test("the file uses the WAL journal and records its schema version", async (t) => {
  const path = tempFile();
  const pool = SqliteExperiencePool.open(path);
  await pool.recordGroup(makeGroup("a", 0));
  const raw = new Database(path, { readonly: true });
  t.is(raw.pragma("journal_mode", { simple: true }), "wal");
  t.is(raw.prepare("SELECT version FROM schema_version").pluck().get(), SQLITE_SCHEMA_VERSION);
  t.is(raw.prepare("SELECT COUNT(*) FROM schema_version").pluck().get(), 1);
  raw.close();
  await pool.close();
  // Reopening an up-to-date file applies nothing twice.
  await SqliteExperiencePool.open(path).close();
  const again = new Database(path, { readonly: true });
  t.is(again.prepare("SELECT COUNT(*) FROM schema_version").pluck().get(), 1);
  again.close();
});

test("a file from a newer schema is refused with a StorageError naming the version", async (t) => {
  const path = tempFile();
  await SqliteExperiencePool.open(path).close();
  const raw = new Database(path);
  raw.prepare("UPDATE schema_version SET version = ?").run(SQLITE_SCHEMA_VERSION + 41);
  raw.close();
  const error = storageError(
    t,
    t.throws(() => SqliteExperiencePool.open(path)),
  );
  t.is(error.code, "LANPO_SCHEMA_NEWER");
  t.is(error.path, path);
  t.regex(error.message, new RegExp(`schema version ${SQLITE_SCHEMA_VERSION + 41}`));
  t.regex(error.message, /[Uu]pgrade @lanpo\/core/);
});

test("a file that is not a database is refused with a StorageError and left untouched", (t) => {
  const path = tempFile();
  const garbage = "this is not an sqlite database, it is a lanpo run log\n".repeat(200);
  writeFileSync(path, garbage);
  const error = storageError(
    t,
    t.throws(() => SqliteExperiencePool.open(path)),
  );
  t.is(error.code, "SQLITE_NOTADB");
  t.is(error.path, path);
  t.regex(error.message, /not a readable SQLite database/);
  t.is(readFileSync(path, "utf8"), garbage);
});

test("a truncated pool file gives a StorageError, on open or on read", async (t) => {
  const path = tempFile();
  const pool = SqliteExperiencePool.open(path);
  for (let step = 0; step < 20; step++) await pool.recordGroup(makeGroup("a", step, { padding: 2000 }));
  await pool.close();
  truncateSync(path, Math.floor(statSync(path).size / 3));
  const error = await t.throwsAsync(async () => {
    const reopened = SqliteExperiencePool.open(path);
    for (let step = 0; step < 20; step++) await reopened.rolloutsOfStep(step);
  });
  t.regex(storageError(t, error).code ?? "", /^SQLITE_(CORRUPT|NOTADB)/);
});

test("an SQLite database that is not a pool is refused", (t) => {
  const path = tempFile();
  const raw = new Database(path);
  raw.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
  raw.close();
  const error = storageError(
    t,
    t.throws(() => SqliteExperiencePool.open(path)),
  );
  t.is(error.code, "LANPO_NOT_A_POOL");
  t.regex(error.message, /invoices/);
});

test("invalid options are ConfigErrors naming the option", (t) => {
  for (const [field, options] of [
    ["synchronous", { synchronous: "sometimes" }],
    ["maxPageCount", { maxPageCount: 0 }],
    ["maxPageCount", { maxPageCount: 2.5 }],
  ] as const) {
    const error = t.throws(() => SqliteExperiencePool.open(tempFile(), options as SqliteExperiencePoolOptions));
    t.true(ConfigError.isInstance(error));
    t.is((error as ConfigError).field, field);
  }
});

test("a missing folder is a StorageError that says to check the folder", (t) => {
  const path = join(tempFile("missing-folder"), "pool.sqlite");
  const error = storageError(
    t,
    t.throws(() => SqliteExperiencePool.open(path)),
  );
  t.is(error.code, "ENOENT");
  t.regex(error.message, /folder .* does not exist: create it/);
});

test("a full disk fails the group being written with SQLITE_FULL and keeps every earlier group", async (t) => {
  const path = tempFile();
  // max_page_count makes SQLite report SQLITE_FULL exactly as a full disk does.
  const pool = SqliteExperiencePool.open(path, { maxPageCount: 40 });
  const recorded: number[] = [];
  let failure: unknown;
  for (let step = 0; step < 200 && failure === undefined; step++) {
    try {
      await pool.recordGroup(makeGroup("a", step, { size: 4, padding: 3000 }));
      recorded.push(step);
    } catch (error) {
      failure = error;
    }
  }
  const error = storageError(t, failure);
  t.is(error.code, "SQLITE_FULL");
  t.regex(error.message, /disk is full/);
  t.true(recorded.length > 0, "some groups fit before the disk filled");
  const failedStep = recorded.length;
  t.false(await pool.hasGroup("a", failedStep), "nothing of the failed group");
  t.is((await pool.stats()).groups, recorded.length, "the same handle still reads");
  await pool.close();
  const reopened = SqliteExperiencePool.open(path);
  for (const step of recorded) {
    t.deepEqual(await reopened.rolloutsOfStep(step), makeGroup("a", step, { size: 4, padding: 3000 }).rollouts);
  }
  t.deepEqual(await reopened.rolloutsOfStep(failedStep), []);
  // With room again, the run can go on where it stopped.
  await reopened.recordGroup(makeGroup("a", failedStep, { size: 4, padding: 3000 }));
  t.is((await reopened.stats()).groups, recorded.length + 1);
  await reopened.close();
});

test("a process killed while recording leaves every reported group whole and no half group", async (t) => {
  const path = tempFile();
  const writer = fileURLToPath(new URL("../fixtures/pool-crash-writer.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import=tsx", "--conditions=source", writer, path], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const reported: { problemId: string; step: number; size: number }[] = [];
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  let buffer = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) {
      const [, problemId = "", step = "", size = ""] = line.split(" ");
      reported.push({ problemId, step: Number(step), size: Number(size) });
      if (reported.length === 40) child.kill("SIGKILL");
    }
  });
  const signal = await exited;
  t.is(signal, "SIGKILL", `the writer should have been killed, not exit by itself: ${stderr}`);
  t.true(reported.length >= 40);

  const pool = SqliteExperiencePool.open(path);
  for (const group of reported) {
    t.true(await pool.hasGroup(group.problemId, group.step), `reported group ${group.problemId}@${group.step}`);
  }
  // Every stored group, reported or committed just before the kill, holds exactly its rollouts.
  const stats = await pool.stats();
  t.true(stats.groups >= reported.length && stats.groups <= reported.length + 1, `${stats.groups} groups`);
  let rollouts = 0;
  for (let step = 0; step <= (await pool.lastStep()); step++) {
    const byProblem = new Map<string, Rollout[]>();
    for (const r of await pool.rolloutsOfStep(step))
      byProblem.set(r.problemId, [...(byProblem.get(r.problemId) ?? []), r]);
    for (const [problemId, stored] of byProblem) {
      const n = step * 5 + Number(problemId.slice(1));
      const size = 2 + (n % 7);
      t.deepEqual(
        stored.map((r) => r.index),
        Array.from({ length: size }, (_, i) => i),
        `${problemId}@${step}`,
      );
      rollouts += stored.length;
    }
  }
  t.is(rollouts, stats.rollouts, "no rollout outside a whole group");
  await pool.close();
});

test("groups recorded together share a transaction, yet a duplicate fails its own group only", async (t) => {
  const pool = SqliteExperiencePool.open(tempFile());
  await pool.recordGroup(makeGroup("dup", 0));
  const results = await Promise.allSettled([
    pool.recordGroup(makeGroup("x", 0)),
    pool.recordGroup(makeGroup("dup", 0)),
    pool.recordGroup(makeGroup("y", 0)),
  ]);
  t.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "rejected", "fulfilled"],
  );
  t.is(((results[1] as PromiseRejectedResult).reason as StorageError).code, "LANPO_DUPLICATE_GROUP");
  t.is((await pool.stats()).groups, 3);
  const pending = pool.recordGroup(makeGroup("z", 0));
  await pool.close();
  await pending;
  const reopened = SqliteExperiencePool.open(pool.path);
  t.true(await reopened.hasGroup("z", 0), "a group recorded just before close is committed by it");
  await reopened.close();
});
