import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FeedbackKind, Lesson, Rollout } from "@lanpo/core";
import { ConfigError, SqliteExperiencePool } from "@lanpo/core";
import { lessonSchema, readStoreFolder } from "@lanpo/memory";
import { readLoggedStepReports } from "../run/event-log.js";
import type { StoredRunConfig } from "../run/run-config.js";
import { type RunFolder, readStoredRunConfig, runFolder } from "../run/run-folder.js";
import { type LessonUsage, lessonUsage } from "./lesson-usage.js";
import { buildStepMetrics, type RunSummary, type StepMetrics, summarizeRun } from "./run-metrics.js";

/** Which arm of an experiment a run is: LANPO, or the plain-GRPO baseline (`--baseline grpo`). */
export type RunArm = "lanpo" | "grpo";

/** Everything the report and `lanpo compare` show of one run, read from its folder. */
export interface RunData {
  folder: RunFolder;
  config: StoredRunConfig;
  arm: RunArm;
  summary: RunSummary;
  steps: StepMetrics[];
  latencies: { feedback: FeedbackKind; latencyMs: number }[];
  lessons: LessonUsage[];
  /** Notices the trainer gave when the run started (from `events.jsonl`), each once. */
  notices: string[];
}

/** The arm a stored config belongs to. */
export function runArm(config: Pick<StoredRunConfig, "baseline">): RunArm {
  return config.baseline === "grpo" ? "grpo" : "lanpo";
}

/**
 * Reads the metrics of a run from an open pool (every verified group, across resumes), the event
 * log's step reports and the memory folder's lesson texts.
 */
export async function collectRunData(input: {
  folder: RunFolder;
  config: StoredRunConfig;
  pool: Pick<SqliteExperiencePool, "rolloutsOfStep">;
  /** Lessons in memory at the end; counted from the memory folder when not given. */
  lessonCount?: number;
  finalPolicyVersion?: string | null;
}): Promise<RunData> {
  const { folder, config, pool } = input;
  const rolloutsByStep = new Map<number, Rollout[]>();
  for (let step = 0; step < config.steps; step++) {
    const rollouts = await pool.rolloutsOfStep(step);
    if (rollouts.length > 0) rolloutsByStep.set(step, rollouts);
  }
  const reports = readLoggedStepReports(folder.events).filter((r) => r.step < config.steps);
  const steps = buildStepMetrics(rolloutsByStep, reports);
  const rollouts = [...rolloutsByStep.values()].flat();
  const lessons = await readMemoryLessons(folder.memory);
  const summary = summarizeRun({
    steps: config.steps,
    rollouts,
    stepMetrics: steps,
    lessons: input.lessonCount ?? lessons.size,
    finalPolicyVersion: input.finalPolicyVersion ?? null,
  });
  return {
    folder,
    config,
    arm: runArm(config),
    summary,
    steps,
    latencies: rollouts.flatMap((r) =>
      r.status === "failed" ? [] : [{ feedback: r.feedback, latencyMs: r.latencyMs }],
    ),
    lessons: lessonUsage(rollouts, lessons),
    notices: readRunNotices(folder.events),
  };
}

/**
 * Opens a finished (or stopped) run folder read-only and collects its data. A folder that is not a
 * run folder is a `ConfigError` saying so.
 */
export async function readRunData(dir: string): Promise<RunData> {
  const folder = runFolder(dir);
  if (!existsSync(folder.config)) {
    const why = !existsSync(dir)
      ? "does not exist"
      : "has no config.json, so it is not a lanpo run folder (or its run died before it started)";
    throw new ConfigError("runDir", `${dir} ${why}; pass the --out folder of a lanpo run`);
  }
  const config = readStoredRunConfig(dir);
  if (!existsSync(folder.pool)) {
    throw new ConfigError(
      "runDir",
      `${dir} has a config.json but no pool.sqlite: the run never verified a group, so there is nothing to show`,
    );
  }
  const pool = SqliteExperiencePool.open(folder.pool);
  try {
    return await collectRunData({ folder, config, pool, finalPolicyVersion: storedFinalVersion(folder) });
  } finally {
    await pool.close();
  }
}

/** The policy version the trainer reported at the end, as `summary.json` recorded it. */
function storedFinalVersion(folder: RunFolder): string | null {
  try {
    const summary = JSON.parse(readFileSync(folder.summary, "utf8")) as Partial<RunSummary>;
    return typeof summary.lastPolicyVersion === "string" ? summary.lastPolicyVersion : null;
  } catch {
    return null;
  }
}

/**
 * The lessons of a memory folder by id, read from its problems store's documents without loading
 * the embeddings or the native index. An empty or unreadable folder gives an empty map: the lesson
 * table then shows ids without text.
 */
export async function readMemoryLessons(memoryDir: string): Promise<Map<string, Lesson>> {
  const lessons = new Map<string, Lesson>();
  try {
    const { documents } = await readStoreFolder(join(memoryDir, "problems"));
    for (const doc of documents.documents) {
      const parsed = lessonSchema.safeParse(doc.metadata);
      if (parsed.success) lessons.set(parsed.data.id, parsed.data as Lesson);
    }
  } catch {}
  return lessons;
}

/** The notices of every `run-start` in the event log (a resumed run logs them again), each once. */
function readRunNotices(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const notices = new Set<string>();
  for (const line of text.split("\n")) {
    if (!line.includes('"run-start"')) continue;
    try {
      const record = JSON.parse(line) as { event?: string; notices?: unknown };
      if (record.event === "run-start" && Array.isArray(record.notices))
        for (const n of record.notices) if (typeof n === "string") notices.add(n);
    } catch {}
  }
  return [...notices];
}
