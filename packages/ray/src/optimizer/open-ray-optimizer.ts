import { join } from "node:path";
import { ConfigError, OutboxOptimizer, type OutboxOptimizerOptions } from "@lanpo/core";
import type { BackoffOptions } from "../http/backoff.js";
import { IngestSink } from "../ingest/ingest-sink.js";
import { RayJobsClient } from "../jobs/ray-jobs-client.js";
import type { SubmitJobOptions } from "../jobs/submit-job-options.js";
import { RayOptimizer } from "./ray-optimizer.js";
import type { RayOptimizerEventListener } from "./ray-optimizer-events.js";
import { TrainerJob } from "./trainer-job.js";

/** Options of {@link openRayOptimizer}. */
export interface OpenRayOptimizerOptions {
  /** Folder of the durable outbox (the run's `outbox/`); created if missing. */
  directory: string;
  /** The trainer's ingest, e.g. `http://head-node:8000/lanpo` (batches go to `{ingestUrl}/v1/batches`). */
  ingestUrl: string;
  /** Bearer token of the ingest. @default none */
  ingestToken?: string;
  /** Time limit of one delivery, in milliseconds (the trainer may hold a POST until its update). @default 180000 */
  ingestTimeoutMs?: number;
  /** The Ray dashboard, needed only to launch the trainer job, e.g. `http://head-node:8265`. */
  rayAddress?: string;
  /** Ray token (`RAY_AUTH_MODE=token` clusters). @default RAY_AUTH_TOKEN / RAY_AUTH_TOKEN_PATH / ~/.ray/auth_token */
  token?: string;
  /**
   * Launch the trainer as a Ray job: the entrypoint string, or the full submit options. Needs
   * `rayAddress`. The submission id is stored in `{directory}/ray-job.json`, so reopening attaches
   * to the same job. @default no job is launched (the trainer is already running)
   */
  launch?: string | SubmitJobOptions;
  /** A local folder uploaded as the job's `runtime_env.working_dir`. @default none */
  workingDir?: string;
  /** Stop the launched job on close. @default true */
  stopJobOnClose?: boolean;
  /** Stream the launched job's log into `trainer-log` events. @default true */
  followLogs?: boolean;
  /** Time between two job status reads, in milliseconds. @default 2000 */
  jobPollMs?: number;
  /** Back-pressure: `waitForCapacity` holds the trainer loop at this many unacknowledged batches. @default 64 */
  maxPendingBatches?: number;
  /** Deliveries in flight at once (1 keeps the ingest's arrival order). @default 1 */
  maxInFlight?: number;
  /** Backoff of the redeliveries while the ingest is down (with jitter). @default { initialDelayMs: 500, maxDelayMs: 30000 } */
  backoff?: Pick<BackoffOptions, "initialDelayMs" | "maxDelayMs">;
  /** Further options of `OutboxOptimizer.open` (compaction, clock); they win over the ones above. @default {} */
  outbox?: Omit<OutboxOptimizerOptions, "directory" | "sink">;
  /** Receives delivery and trainer-job events, for the run's event log. */
  onEvent?: RayOptimizerEventListener;
}

/**
 * Opens the optimizer of `lanpo run --optimizer ray`: the outbox in `directory` over an
 * {@link IngestSink} to `ingestUrl`, optionally launching the trainer job on the Ray cluster at
 * `rayAddress`. Reopening the same folder resends whatever was never acknowledged.
 *
 * @example
 * ```ts
 * const optimizer = await openRayOptimizer({
 *   directory: "runs/demo/outbox",
 *   ingestUrl: "http://head:8000/lanpo",
 *   rayAddress: "http://head:8265",
 *   launch: "python -m lanpo_trainer.main --model Qwen/Qwen3-1.7B",
 *   onEvent: (event) => events.write(event),
 * });
 * ```
 */
export async function openRayOptimizer(options: OpenRayOptimizerOptions): Promise<RayOptimizer> {
  const sink = new IngestSink({
    url: options.ingestUrl,
    token: options.ingestToken,
    timeoutMs: options.ingestTimeoutMs,
  });
  let client: RayJobsClient | undefined;
  if (options.launch !== undefined) {
    if (!options.rayAddress) {
      throw new ConfigError(
        "rayAddress",
        "launching the trainer needs the Ray dashboard's address: pass --ray-address http://HEAD:8265",
      );
    }
    client = new RayJobsClient({ address: options.rayAddress, token: options.token });
  }
  const outbox = await OutboxOptimizer.open({
    maxPending: options.maxPendingBatches ?? 64,
    maxInFlight: options.maxInFlight ?? 1,
    retry: { initialMs: options.backoff?.initialDelayMs ?? 500, maxMs: options.backoff?.maxDelayMs ?? 30_000 },
    ...options.outbox,
    directory: options.directory,
    sink,
  });
  let trainerJob: TrainerJob | undefined;
  if (client && options.launch !== undefined) {
    try {
      trainerJob = await TrainerJob.launch({
        client,
        submit: typeof options.launch === "string" ? { entrypoint: options.launch } : options.launch,
        stateFile: join(options.directory, "ray-job.json"),
        workingDir: options.workingDir,
        pollMs: options.jobPollMs,
        followLogs: options.followLogs,
        onEvent: options.onEvent,
      });
    } catch (error) {
      await outbox.close();
      throw error;
    }
  }
  const optimizer = new RayOptimizer({
    outbox,
    sink,
    trainerJob,
    stopJobOnClose: options.stopJobOnClose,
    onEvent: options.onEvent,
  });
  // Batches a killed run left unacknowledged go out with the next submit (oldest first), or with
  // flush / flushUntilAcknowledged. Not flushed here in the background: a delivery started by
  // flush() while a submit waits behind it would leave that submit waiting.
  return optimizer;
}
