import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { ConfigError, DeliveryError, findTwins, isScored, LanpoTrainer, SqliteExperiencePool } from "@lanpo/core";
import { loadDataset } from "../datasets/load-dataset.js";
import { collectRunData } from "../report/run-data.js";
import type { RunSummary } from "../report/run-metrics.js";
import { formatSummaryTable } from "../report/summary-table.js";
import { writeRunReport } from "../report/write-run-report.js";
import { checkCacheDir } from "./cache-dir.js";
import { checkModelServer } from "./check-model-server.js";
import { createPolicy } from "./create-policy.js";
import { openDefaultMemory } from "./default-memory.js";
import { openRunOptimizer, type RunOptimizer } from "./default-optimizer.js";
import { defaultMatcher, defaultReward } from "./default-reward.js";
import { EventLog, LOGGED_EVENTS } from "./event-log.js";
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
  /**
   * Aborting it (Ctrl-C) stops the run after the step in progress: the summary and report are
   * written and the message says how to resume. @default never aborted
   */
  signal?: AbortSignal;
  /** How long a run waits at its end for the ingest to acknowledge every batch. @default 60000 */
  deliveryTimeoutMs?: number;
  /**
   * `"json"`: stdout gets one JSON object (`runDir`, `report`, `summary`, `interrupted`) instead of
   * the table and the hints. @default "table"
   */
  output?: "table" | "json";
  /** No progress, notices or hints on stderr; warnings and errors still go there. @default false */
  quiet?: boolean;
}

/** What a finished run leaves behind. */
export interface RunOutcome {
  folder: RunFolder;
  summary: RunSummary;
  /** True when the run stopped early because `signal` was aborted. */
  interrupted: boolean;
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
  // Progress, notices and hints; warnings and errors always go to stderr.
  const info: ProgressStream = options.quiet ? { write: () => true } : stderr;
  const json = options.output === "json";
  const now = options.now ?? Date.now;

  const dataset = loadDataset(config);
  const twins = findTwins(dataset.problems);
  if (twins.length > 0) {
    const problems = twins.reduce((a, ids) => a + ids.length, 0);
    info.write(
      `note: ${twins.length} question${twins.length === 1 ? "" : "s"} of ${dataset.name} appear under more than one id (${problems} problems, e.g. ${twins[0]?.slice(0, 2).join(" and ")}); twins never receive each other's lessons\n`,
    );
  }
  if (config.batch > dataset.problems.length) {
    stderr.write(
      `note: --batch ${config.batch} is larger than ${dataset.name} (${dataset.problems.length} problem${dataset.problems.length === 1 ? "" : "s"}); each step uses all ${dataset.problems.length}, so a step has ${dataset.problems.length * config.group} rollouts, not ${config.batch * config.group}\n`,
    );
  }
  if (config.embeddings === "default") checkCacheDir(run.cacheDir);
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
  const progress = new ProgressView(info);
  let events: EventLog | null = null;
  let memory: Awaited<ReturnType<typeof openDefaultMemory>> | null = null;
  let optimizer: RunOptimizer | null = null;
  let interrupted = false;
  let finalPolicyVersion: string | null = null;
  let warnedLog = false;
  let failure: unknown;
  const replies = { total: 0, bad: { empty: 0, truncated: 0, unparseable: 0 } };
  try {
    memory = await openDefaultMemory(folder.memory, config.embeddings, run.cacheDir);
    events = new EventLog(folder.events, now);
    const log = events;
    optimizer = await openRunOptimizer(folder.outbox, config, (event) => {
      try {
        log.writeRecord("ray-event", event);
      } catch {}
      if (event.type === "trainer-status") info.write(`trainer job ${event.submissionId}: ${event.status}\n`);
    });
    const trainer = new LanpoTrainer({
      policy: createPolicy(config, dataset.problems, model, run.apiKey),
      reward: defaultReward(),
      matcher: defaultMatcher(),
      pool,
      memory,
      optimizer,
      groupSize: config.group,
      mix: config.mix,
      // The GRPO baseline: no lessons distilled (its mix is already all from scratch).
      distil: config.baseline !== "grpo",
      retrieval: { k: config.k, ...(config.minScore === null ? {} : { minScore: config.minScore }) },
      concurrency: config.concurrency,
      timeoutMs: config.timeoutMs,
      retries: config.retries,
      maxOutageMs: config.maxOutageMs,
      seed: config.seed,
      runId: stored.runId,
      now,
    });
    for (const name of LOGGED_EVENTS) trainer.on(name, (payload) => log.write(name, payload as never));
    trainer.on("listener-error", ({ event, error }) => {
      // The pool keeps every group whatever happens to the log; say so once instead of stopping.
      if (warnedLog) return;
      warnedLog = true;
      stderr.write(
        `warning: a "${event}" event could not be recorded (${error instanceof Error ? error.message : String(error)}); the run goes on and ${folder.pool} keeps every verified group, but events.jsonl and the report will miss events from here on\n`,
      );
    });
    trainer.on("run-start", (e) => {
      notices.push(...e.notices);
      progress.runStart(e.steps, e.notices);
    });
    trainer.on("step-start", (e) => progress.stepStart(e.step, e.rollouts, e.problems - e.rollouts / config.group));
    trainer.on("rollout-end", (e) => {
      progress.rolloutEnd(e.step, e.rollout.reward);
      replies.total++;
      if (e.rollout.status !== "ok" && isScored(e.rollout)) replies.bad[e.rollout.status]++;
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
    const onAbort = () =>
      stderr.write(
        "\nstopping after the step in progress (Ctrl-C again to stop at once; every verified group is already in the pool)\n",
      );
    options.signal?.addEventListener("abort", onAbort, { once: true });
    for await (const _report of trainer.run(dataset.problems, { steps: config.steps, batchSize: config.batch })) {
      // Reports are consumed through "step-end"; the loop only drives the run.
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
    }
    options.signal?.removeEventListener("abort", onAbort);
    if (!interrupted) {
      const { pending } = await optimizer.flushUntilAcknowledged({ timeoutMs: options.deliveryTimeoutMs ?? 60_000 });
      if (pending > 0) {
        throw new DeliveryError(
          "(pending)",
          `${pending} batch${pending === 1 ? " is" : "es are"} not acknowledged by the trainer ingest ${config.ingestUrl ?? ""}; ${pending === 1 ? "it is" : "they are"} safe in ${folder.outbox}: start the ingest, then run lanpo run --resume ${folder.dir} to send ${pending === 1 ? "it" : "them"}`,
          { isRetryable: true },
        );
      }
    }
    finalPolicyVersion = await optimizer.policyVersion();
  } catch (error) {
    // The pool already holds every verified group: the summary and report are written from it
    // below, then the error is reported with how to resume.
    failure = error;
  } finally {
    progress.stop();
    events?.close();
    await optimizer?.close();
  }

  try {
    const outcome = await writeRunOutputs(
      folder,
      stored,
      pool,
      await memoryLessons(memory),
      notices,
      now,
      finalPolicyVersion,
    ).catch((error: unknown) => {
      // When the run already failed, that failure is the one to report (a full disk fails both).
      throw failure ?? error;
    });
    if (json) {
      stdout.write(
        `${JSON.stringify({ runDir: folder.dir, report: folder.report, summary: outcome.summary, interrupted, failed: failure !== undefined })}\n`,
      );
    } else {
      stdout.write(
        `${formatSummaryTable(outcome.summary)}\nrun folder: ${folder.dir} (report.html, summary.json, events.jsonl, pool.sqlite)\n`,
      );
    }
    if (failure === undefined && !interrupted) info.write(nextSteps(folder.dir, stored.baseline));
    for (const [status, n] of Object.entries(replies.bad)) {
      if (n > 0 && n === replies.total) {
        stderr.write(
          `warning: every one of the ${n} replies was ${status} and scored 0; check --model, --max-tokens and the server's logs\n`,
        );
      }
    }
    if (failure !== undefined) {
      stderr.write(`the run stopped; once the cause is fixed, continue it with lanpo run --resume ${folder.dir}\n`);
      throw failure;
    }
    if (interrupted) {
      stderr.write(`interrupted: the run stopped early; continue it with lanpo run --resume ${folder.dir}\n`);
    }
    return { ...outcome, interrupted };
  } finally {
    await pool.close();
  }
}

/** What to open or run once a run is done: its report, and the other arm of the experiment. */
function nextSteps(dir: string, baseline: StoredRunConfig["baseline"]): string {
  const other =
    baseline === "grpo"
      ? "a LANPO run (the same flags without --baseline)"
      : "its GRPO baseline (the same flags with --baseline grpo and another --out)";
  return `next: open ${dir}/report.html in a browser (it works offline); to see whether language feedback helps, run ${other}, then lanpo compare ${dir} OTHER_DIR\n`;
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
  finalPolicyVersion: string | null,
): Promise<Omit<RunOutcome, "interrupted">> {
  const data = await collectRunData({ folder, config, pool, lessonCount: lessons, finalPolicyVersion });
  writeFileAtomic(folder.summary, `${JSON.stringify(data.summary, null, 2)}\n`);
  await writeRunReport({ ...data, notices: [...new Set([...notices, ...data.notices])] }, { now });
  return { folder, summary: data.summary };
}
