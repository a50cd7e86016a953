import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { backoffDelayMs, sleep } from "../http/backoff.js";
import { isTerminalJobStatus, type JobStatus } from "../jobs/job-status.js";
import type { RayJobsClient } from "../jobs/ray-jobs-client.js";
import { RayJobsError } from "../jobs/ray-jobs-error.js";
import type { SubmitJobOptions } from "../jobs/submit-job-options.js";
import type { RayOptimizerEventListener } from "./ray-optimizer-events.js";

/** Options of {@link TrainerJob.launch}. */
export interface TrainerJobOptions {
  client: RayJobsClient;
  /** What to submit; `submissionId` is managed by the job file unless given. */
  submit: SubmitJobOptions;
  /**
   * A JSON file that remembers the submission id, so a restarted run attaches to its job rather
   * than starting a second one (a job found terminal is replaced by a new attempt).
   */
  stateFile: string;
  /** Prefix of generated submission ids. @default "lanpo" */
  idPrefix?: string;
  /** A local folder to upload as `runtime_env.working_dir` (skipped when the cluster has it). */
  workingDir?: string;
  /** Time between two status reads, in milliseconds. @default 2000 */
  pollMs?: number;
  /** Stream the job's log into `trainer-log` events. @default true */
  followLogs?: boolean;
  onEvent?: RayOptimizerEventListener;
}

interface JobFile {
  submissionId: string;
  attempt: number;
}

/**
 * The trainer job a run launched on Ray: submitted idempotently (its id is stored before the
 * submit, so a retry or a restart never starts a second job), watched (status changes become
 * `trainer-status` events), its log streamed into `trainer-log` events (the tail reconnects after
 * a dropped stream and skips what it had), and stopped on `stop()`.
 */
export class TrainerJob {
  readonly submissionId: string;
  readonly alreadySubmitted: boolean;
  readonly #client: RayJobsClient;
  readonly #emit: RayOptimizerEventListener;
  readonly #abort = new AbortController();
  readonly #tasks: Promise<void>[] = [];
  #status: JobStatus | "unknown" = "unknown";

  private constructor(
    client: RayJobsClient,
    submissionId: string,
    alreadySubmitted: boolean,
    emit: RayOptimizerEventListener,
  ) {
    this.#client = client;
    this.submissionId = submissionId;
    this.alreadySubmitted = alreadySubmitted;
    this.#emit = emit;
  }

  /** Uploads the working dir if any, submits (or re-attaches to) the job and starts watching it. */
  static async launch(options: TrainerJobOptions): Promise<TrainerJob> {
    const emit: RayOptimizerEventListener = (event) => {
      try {
        options.onEvent?.(event);
      } catch {
        // A listener's failure must not stop the training run.
      }
    };
    const client = options.client;
    const submit: SubmitJobOptions = { ...options.submit };
    if (options.workingDir) {
      const { uri } = await client.uploadWorkingDir(options.workingDir);
      submit.runtimeEnv = { ...submit.runtimeEnv, working_dir: uri };
    }
    let file = await readJobFile(options.stateFile);
    if (file && !options.submit.submissionId) {
      const existing = await client.getJob(file.submissionId).catch((error) => {
        if (RayJobsError.isInstance(error) && error.status === 404) return undefined;
        throw error;
      });
      if (existing && isTerminalJobStatus(existing.status)) file = { submissionId: "", attempt: file.attempt + 1 };
    }
    const attempt = file?.attempt ?? 1;
    const submissionId =
      options.submit.submissionId ||
      file?.submissionId ||
      `${options.idPrefix ?? "lanpo"}-${Date.now().toString(36)}-${attempt}`;
    await writeJobFile(options.stateFile, { submissionId, attempt });
    const result = await client.submitJob({ ...submit, submissionId });
    const job = new TrainerJob(client, result.submissionId, result.alreadySubmitted, emit);
    emit({ type: "trainer-submitted", submissionId: job.submissionId, alreadySubmitted: result.alreadySubmitted });
    job.#tasks.push(job.#watch(options.pollMs ?? 2000));
    if (options.followLogs !== false) job.#tasks.push(job.#followLogs());
    return job;
  }

  /** The last status read ("unknown" before the first read). */
  get status(): JobStatus | "unknown" {
    return this.#status;
  }

  /** Asks Ray to stop the job and waits (up to `timeoutMs`) for a terminal status. */
  async stop(options: { timeoutMs?: number } = {}): Promise<JobStatus | "unknown"> {
    let status: JobStatus | "unknown" = this.#status;
    try {
      if (!isTerminalJobStatus(status)) {
        await this.#client.stopJob(this.submissionId);
        status = (
          await this.#client.waitForJob(this.submissionId, { timeoutMs: options.timeoutMs ?? 30_000, pollMs: 200 })
        ).status;
      }
    } finally {
      this.#abort.abort();
      await Promise.allSettled(this.#tasks);
    }
    this.#status = status;
    this.#emit({ type: "trainer-stopped", submissionId: this.submissionId, status });
    return status;
  }

  /** Stops watching and following without stopping the job (it keeps training). */
  async detach(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled(this.#tasks);
  }

  async #watch(pollMs: number): Promise<void> {
    const signal = this.#abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const job = await this.#client.getJob(this.submissionId);
        failures = 0;
        if (job.status !== this.#status) {
          this.#status = job.status;
          this.#emit({
            type: "trainer-status",
            submissionId: this.submissionId,
            status: job.status,
            message: job.message,
          });
        }
        if (isTerminalJobStatus(job.status)) return;
        await sleep(pollMs, signal);
      } catch {
        if (signal.aborted) return;
        await sleep(backoffDelayMs(failures++, { initialDelayMs: pollMs, maxDelayMs: 30_000 }), signal).catch(() => {});
      }
    }
  }

  async #followLogs(): Promise<void> {
    const signal = this.#abort.signal;
    let seen = 0;
    let failures = 0;
    while (!signal.aborted) {
      let offset = 0;
      try {
        for await (const chunk of this.#client.tailLogs(this.submissionId, { signal })) {
          // A reconnected tail starts from the top of the log again: skip what was already sent.
          const start = Math.max(0, seen - offset);
          offset += chunk.length;
          if (start < chunk.length) {
            const text = chunk.slice(start);
            seen += text.length;
            this.#emit({ type: "trainer-log", submissionId: this.submissionId, text });
          }
        }
        // A normal close means the job ended, unless the dashboard went away mid-stream.
        if (isTerminalJobStatus((await this.#client.getJob(this.submissionId)).status)) return;
      } catch (error) {
        if (signal.aborted) return;
        if (RayJobsError.isInstance(error) && error.status !== undefined && error.status < 500) {
          this.#emit({ type: "trainer-log-lost", submissionId: this.submissionId, error: error.message });
          return;
        }
        await sleep(backoffDelayMs(failures++, { initialDelayMs: 200, maxDelayMs: 10_000 }), signal).catch(() => {});
      }
    }
  }
}

async function readJobFile(path: string): Promise<JobFile | undefined> {
  try {
    const data = JSON.parse(await readFile(path, "utf8")) as Partial<JobFile>;
    return typeof data.submissionId === "string" && Number.isInteger(data.attempt)
      ? { submissionId: data.submissionId, attempt: data.attempt as number }
      : undefined;
  } catch {
    return undefined;
  }
}

async function writeJobFile(path: string, file: JobFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(file)}\n`);
}
