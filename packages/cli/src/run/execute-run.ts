import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import type { Rollout, StepReport } from "@lanpo/core";
import { ConfigError, LanpoTrainer, ModelError, SqliteExperiencePool } from "@lanpo/core";
import { loadDataset } from "../datasets/load-dataset.js";
import { renderReport } from "../report/render-report.js";
import { buildStepMetrics, type RunSummary, summarizeRun } from "../report/run-metrics.js";
import { formatSummaryTable } from "../report/summary-table.js";
import { checkModelServer } from "./check-model-server.js";
import { createPolicy } from "./create-policy.js";
import { openDefaultMemory } from "./default-memory.js";
import { openDefaultOptimizer } from "./default-optimizer.js";
import { defaultReward } from "./default-reward.js";
import { EventLog, LOGGED_EVENTS, readLoggedStepReports } from "./event-log.js";
import { type ProgressStream, ProgressView } from "./progress-view.js";
import type { ResolvedRun } from "./resolve-run-config.js";
import type { StoredRunConfig } from "./run-config.js";
import { createRunFolder, type RunFolder, runFolder, writeFileAtomic, writeStoredRunConfig } from "./run-folder.js";

/** Options of {@link executeRun}. */
export interface ExecuteRunOptions {
  run: ResolvedRun;
  /** Gets the summary table. @default process.stdout */
  stdout?: { write(text: string): unknown };
  /** Gets progress and notices. @default process.stderr */
  stderr?: ProgressStream;
  /** @default globalThis.fetch (for the model-server check) */
  fetch?: typeof fetch;
  /** @default Date.now */
  now?: () => number;
  /** Delete an earlier run in the same folder first. @default false */
  overwrite?: boolean;
}

/** What a finished run leaves behind. */
export interface RunOutcome {
  folder: RunFolder;
  summary: RunSummary;
}

/**
 * The composition root of `lanpo run`: loads the data set, checks the model server, opens the run
 * folder (pool, outbox, memory, event log), runs the trainer with a progress view, then writes
 * `summary.json` and `report.html` and prints the summary table. A resumed run reopens the same
 * folder: the trainer skips groups the pool holds and resends unacknowledged batches.
 */
export async function executeRun(options: ExecuteRunOptions): Promise<RunOutcome> {
  const { run } = options;
  const { config } = run;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const now = options.now ?? Date.now;

  const dataset = loadDataset(config);
  const datasetDigest = createHash("sha256").update(JSON.stringify(dataset.problems)).digest("hex");
  if (run.stored && run.stored.datasetDigest !== datasetDigest) {
    throw new ConfigError(
      "dataset",
      `${dataset.file} is not the data the run in ${run.out} started with (its problems changed); restore the file, or start a new run with --out`,
    );
  }
  // Before anything is written: a wrong URL must not leave a half-made run folder behind.
  const model =
    config.modelUrl === null
      ? null
      : await checkModelServer({
          baseUrl: config.modelUrl,
          apiKey: run.apiKey,
          model: config.model,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        });

  let stored: StoredRunConfig;
  let folder: RunFolder;
  if (run.stored) {
    folder = runFolder(run.out);
    stored = { ...run.stored, ...config };
    if (!existsSync(folder.pool)) {
      throw new ConfigError(
        "resume",
        `${run.out} has a config.json but no pool.sqlite; nothing to resume: start a new run with --out`,
      );
    }
  } else {
    folder = createRunFolder(run.out, { overwrite: options.overwrite ?? false });
    stored = {
      ...config,
      formatVersion: 1,
      runId: randomUUID(),
      datasetDigest,
      createdAt: new Date(now()).toISOString(),
    };
  }
  writeStoredRunConfig(folder, stored);

  const pool = SqliteExperiencePool.open(folder.pool);
  const notices: string[] = [];
  const progress = new ProgressView(stderr);
  let events: EventLog | null = null;
  let memory: Awaited<ReturnType<typeof openDefaultMemory>> | null = null;
  let optimizer: Awaited<ReturnType<typeof openDefaultOptimizer>> | null = null;
  let newRollouts = 0;
  let newFailures = 0;
  let lastFailure: string | undefined;
  try {
    memory = await openDefaultMemory(folder.memory, config.embeddings);
    optimizer = await openDefaultOptimizer(folder.outbox);
    events = new EventLog(folder.events, now);
    const trainer = new LanpoTrainer({
      policy: createPolicy(config, dataset.problems, model, run.apiKey),
      reward: defaultReward(),
      pool,
      memory,
      optimizer,
      groupSize: config.group,
      mix: config.mix,
      retrieval: { k: config.k, minScore: config.minScore },
      concurrency: config.concurrency,
      timeoutMs: config.timeoutMs,
      retries: config.retries,
      seed: config.seed,
      runId: stored.runId,
      now,
    });
    const log = events;
    for (const name of LOGGED_EVENTS) trainer.on(name, (payload) => log.write(name, payload as never));
    trainer.on("run-start", (e) => {
      notices.push(...e.notices);
      progress.runStart(e.steps, e.notices);
    });
    trainer.on("step-start", (e) => progress.stepStart(e.step, e.rollouts, e.problems - e.rollouts / config.group));
    trainer.on("rollout-end", (e) => {
      newRollouts++;
      if (e.rollout.status === "failed") {
        newFailures++;
        lastFailure = e.rollout.error;
      }
      progress.rolloutEnd(e.rollout.reward);
    });
    trainer.on("step-end", ({ report }) =>
      progress.stepEnd(
        report.step,
        report.meanReward,
        report.rollouts.length,
        report.failedRollouts,
        report.latencyMs.step,
      ),
    );
    for await (const _report of trainer.run(dataset.problems, { steps: config.steps, batchSize: config.batch })) {
      // Reports are consumed through "step-end"; the loop only drives the run.
    }
  } catch (error) {
    // The pool already holds every verified group; close it cleanly so a resume finds it as left.
    await pool.close().catch(() => {});
    throw error;
  } finally {
    progress.stop();
    events?.close();
    await optimizer?.close();
  }

  try {
    const outcome = await writeRunOutputs(folder, stored, pool, await memoryLessons(memory), notices, now);
    stdout.write(
      `${formatSummaryTable(outcome.summary)}\nrun folder: ${folder.dir} (report.html, summary.json, events.jsonl, pool.sqlite)\n`,
    );
    if (newRollouts > 0 && newFailures === newRollouts) {
      throw new ModelError(
        `every one of the ${newRollouts} rollouts failed (last: ${lastFailure ?? "unknown"}); check --model-url, --model and the server's logs. Verified groups are in ${folder.pool}`,
        { isRetryable: false },
      );
    }
    return outcome;
  } finally {
    await pool.close();
  }
}

async function memoryLessons(memory: { stats(): Promise<{ lessons: number }> } | null): Promise<number> {
  return memory ? (await memory.stats()).lessons : 0;
}

/** Summary and report from the pool (every verified group, across resumes) and the event log. */
async function writeRunOutputs(
  folder: RunFolder,
  config: StoredRunConfig,
  pool: SqliteExperiencePool,
  lessons: number,
  notices: readonly string[],
  now: () => number,
): Promise<RunOutcome> {
  const rolloutsByStep = new Map<number, Rollout[]>();
  for (let step = 0; step < config.steps; step++) {
    const rollouts = await pool.rolloutsOfStep(step);
    if (rollouts.length > 0) rolloutsByStep.set(step, rollouts);
  }
  const reports: StepReport[] = readLoggedStepReports(folder.events).filter((r) => r.step < config.steps);
  const steps = buildStepMetrics(rolloutsByStep, reports);
  const summary = summarizeRun({
    steps: config.steps,
    rollouts: [...rolloutsByStep.values()].flat(),
    stepMetrics: steps,
    lessons,
  });
  writeFileAtomic(folder.summary, `${JSON.stringify(summary, null, 2)}\n`);
  const { runId, formatVersion: _v, ...shown } = config;
  writeFileAtomic(
    folder.report,
    renderReport({
      title: `lanpo run ${runId}`,
      generatedAt: new Date(now()).toISOString(),
      summary,
      steps,
      config: shown,
      notices,
    }),
  );
  return { folder, summary };
}
