import { randomInt } from "node:crypto";
import { ConfigError } from "@lanpo/core";
import { z } from "zod";
import { backoffDelayMs, sleep } from "../http/backoff.js";
import { HttpConnectionFailure, type HttpResponse, httpRequest } from "../http/http-request.js";
import { isTerminalJobStatus, type JobStatus } from "./job-status.js";
import { resolveRayAuthToken } from "./ray-auth-token.js";
import { JobDetailsSchema, type RayJob, toRayJob } from "./ray-job.js";
import type { RayJobsClientOptions } from "./ray-jobs-client-options.js";
import { RayJobsError, summarizeRayBody } from "./ray-jobs-error.js";
import { apiVersionNumber, DELETE_JOB_API_VERSION, type RayServerVersion } from "./ray-server-version.js";
import { type SubmitJobOptions, submitJobBody } from "./submit-job-options.js";
import { tailJobLogs } from "./tail-job-logs.js";
import { type ZipWorkingDirOptions, zipWorkingDir } from "./zip-working-dir.js";

/** What `submitJob` did. */
export interface SubmitJobResult {
  submissionId: string;
  /** True when a job with this id existed already (Ray said "Please use a different submission_id"). */
  alreadySubmitted: boolean;
}

/** Options of {@link RayJobsClient.waitForJob}. */
export interface WaitForJobOptions {
  /**
   * What to wait for: `terminal` (STOPPED, SUCCEEDED or FAILED), `running` (RUNNING or terminal),
   * or a list of statuses. @default "terminal"
   */
  until?: "terminal" | "running" | readonly JobStatus[];
  /** Give up after this long, in milliseconds. @default 600000 */
  timeoutMs?: number;
  /** Time between two status reads. @default 1000 */
  pollMs?: number;
  signal?: AbortSignal;
}

/** What `uploadWorkingDir` did. */
export interface UploadWorkingDirResult {
  /** `gcs://_ray_pkg_<hash>.zip`: pass it as `runtimeEnv.working_dir`. */
  uri: string;
  /** False when the cluster had the package already and nothing was sent. */
  uploaded: boolean;
  bytes: number;
  files: number;
}

const VersionSchema = z.looseObject({
  version: z.string(),
  ray_version: z.string().nullish(),
  ray_commit: z.string().nullish(),
  session_name: z.string().nullish(),
});

const DUPLICATE_SUBMISSION = "Please use a different submission_id";
// Ray's generator: 16 characters of [A-Za-z0-9] without the look-alikes I, l, o, O and 0.
const SUBMISSION_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz123456789";

function generateSubmissionId(): string {
  let id = "raysubmit_";
  for (let i = 0; i < 16; i++) id += SUBMISSION_ID_ALPHABET[randomInt(SUBMISSION_ID_ALPHABET.length)];
  return id;
}

/**
 * A client of Ray's Jobs REST API (the dashboard, port 8265): what `ray job submit/status/logs/
 * stop/delete/list` do, from Node. It asks `/api/version` once and sends only submit fields that
 * server knows; retries connection errors and 5xx with backoff and jitter, never a 4xx; treats a
 * duplicate `submission_id` as already submitted, whatever the status code; and throws
 * {@link RayJobsError} carrying the status and Ray's body.
 *
 * @example
 * ```ts
 * const ray = new RayJobsClient({ address: "http://head:8265" });
 * const { uri } = await ray.uploadWorkingDir("./trainer");
 * const { submissionId } = await ray.submitJob({
 *   entrypoint: "python -m lanpo_trainer.main", submissionId: "lanpo-run-1",
 *   runtimeEnv: { working_dir: uri }, entrypointNumCpus: 1,
 * });
 * for await (const chunk of ray.tailLogs(submissionId)) process.stdout.write(chunk);
 * ```
 */
export class RayJobsClient {
  readonly address: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #options: RayJobsClientOptions;
  readonly #generateId: () => string;
  #version: Promise<RayServerVersion> | undefined;

  constructor(options: RayJobsClientOptions) {
    let url: URL;
    try {
      url = new URL(options.address);
    } catch (cause) {
      throw new ConfigError("address", `"${options.address}" is not a URL; pass e.g. http://head-node:8265`, { cause });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ConfigError("address", `must be an http:// or https:// URL, got ${url.protocol}`);
    }
    const retries = options.retries ?? 3;
    if (!Number.isInteger(retries) || retries < 0) throw new ConfigError("retries", "must be a whole number >= 0");
    const timeoutMs = options.timeoutMs ?? 30_000;
    if (!(timeoutMs > 0)) throw new ConfigError("timeoutMs", "must be a positive number of milliseconds");
    this.address = url.href.replace(/\/+$/, "");
    this.#options = options;
    this.#timeoutMs = timeoutMs;
    this.#retries = retries;
    this.#generateId = options.generateSubmissionId ?? generateSubmissionId;
    const token = resolveRayAuthToken(options.token, { env: options.env, home: options.home });
    this.#headers = { ...options.headers };
    if (token) this.#headers[options.tokenHeader ?? "authorization"] = `Bearer ${token}`;
  }

  /** `GET /api/version`, asked once per client (a failed ask is asked again next time). */
  version(): Promise<RayServerVersion> {
    if (!this.#version) {
      const asked = this.#send("GET", "/api/version", { what: "the version check" }).then((response) => {
        const parsed = VersionSchema.safeParse(parseJson(response.text));
        if (!parsed.success) throw this.#badReply("GET", "/api/version", response, "no version field");
        return {
          version: parsed.data.version,
          rayVersion: parsed.data.ray_version ?? null,
          rayCommit: parsed.data.ray_commit ?? null,
          sessionName: parsed.data.session_name ?? null,
        };
      });
      asked.catch(() => {
        if (this.#version === asked) this.#version = undefined;
      });
      this.#version = asked;
    }
    return this.#version;
  }

  /** `POST /api/jobs/`. Submitting an id that exists already resolves `alreadySubmitted: true`. */
  async submitJob(options: SubmitJobOptions): Promise<SubmitJobResult> {
    const server = await this.version();
    // An id fixed before the first try makes retries after a dropped connection idempotent.
    const submissionId = options.submissionId ?? this.#generateId();
    const body = JSON.stringify(submitJobBody(options, server, submissionId));
    try {
      const response = await this.#send("POST", "/api/jobs/", {
        body,
        what: `submitting job ${submissionId}`,
        isSuccess: (r) => r.status === 200 || r.text.includes(DUPLICATE_SUBMISSION),
      });
      if (response.status !== 200) return { submissionId, alreadySubmitted: true };
      const parsed = z.looseObject({ submission_id: z.string().nullish(), job_id: z.string().nullish() });
      const reply = parsed.safeParse(parseJson(response.text));
      return {
        submissionId: (reply.success && (reply.data.submission_id ?? reply.data.job_id)) || submissionId,
        alreadySubmitted: false,
      };
    } catch (error) {
      if (RayJobsError.isInstance(error) && error.body.includes(DUPLICATE_SUBMISSION)) {
        return { submissionId, alreadySubmitted: true };
      }
      throw error;
    }
  }

  /** `GET /api/jobs/{id}` (a submission id or a driver job id). An unknown id is a 404 RayJobsError. */
  async getJob(id: string): Promise<RayJob> {
    const path = `/api/jobs/${encodeId(id)}`;
    const response = await this.#send("GET", path, { what: `reading job ${id}` });
    const parsed = JobDetailsSchema.safeParse(parseJson(response.text));
    if (!parsed.success) throw this.#badReply("GET", path, response, parsed.error.issues[0]?.message ?? "not a job");
    return toRayJob(parsed.data);
  }

  /** `GET /api/jobs/`: submission jobs first, then driver jobs (as Ray orders them). */
  async listJobs(): Promise<RayJob[]> {
    const response = await this.#send("GET", "/api/jobs/", { what: "listing jobs" });
    const data = parseJson(response.text);
    // Jobs API version 1 answered a dict keyed by id; every later version a list.
    const items = Array.isArray(data) ? data : data && typeof data === "object" ? Object.values(data) : undefined;
    if (!items) throw this.#badReply("GET", "/api/jobs/", response, "not a list of jobs");
    return items.map((item, i) => {
      const parsed = JobDetailsSchema.safeParse(item);
      if (!parsed.success) throw this.#badReply("GET", "/api/jobs/", response, `item ${i} is not a job`);
      return toRayJob(parsed.data);
    });
  }

  /** `GET /api/jobs/{id}/logs`: everything the job has printed so far ("" before its driver starts). */
  async getLogs(id: string): Promise<string> {
    const path = `/api/jobs/${encodeId(id)}/logs`;
    const response = await this.#send("GET", path, { what: `reading the logs of job ${id}` });
    const parsed = z.object({ logs: z.string() }).safeParse(parseJson(response.text));
    if (!parsed.success) throw this.#badReply("GET", path, response, "no logs field");
    return parsed.data.logs;
  }

  /**
   * The `/api/jobs/{id}/logs/tail` WebSocket: log chunks as the job prints them, ending when the
   * job is terminal. Pass a signal (or break out of the loop) to stop following.
   */
  tailLogs(id: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<string, void, undefined> {
    const url = new URL(`${this.address}/api/jobs/${encodeId(id)}/logs/tail`);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return tailJobLogs({ url: url.href, headers: this.#headers, signal: options.signal, timeoutMs: this.#timeoutMs });
  }

  /**
   * `POST /api/jobs/{id}/stop`. Resolves true when Ray will stop the job (its status becomes
   * STOPPED a little later: use `waitForJob`), false when it had already ended.
   */
  async stopJob(id: string): Promise<boolean> {
    const path = `/api/jobs/${encodeId(id)}/stop`;
    const response = await this.#send("POST", path, { what: `stopping job ${id}` });
    const parsed = z.object({ stopped: z.boolean() }).safeParse(parseJson(response.text));
    if (!parsed.success) throw this.#badReply("POST", path, response, "no stopped field");
    return parsed.data.stopped;
  }

  /**
   * `DELETE /api/jobs/{id}`: forgets a terminal job and its logs. A job still running is a 500
   * RayJobsError saying so (stop it first). Needs Jobs API version 4 (Ray 2.6).
   */
  async deleteJob(id: string): Promise<boolean> {
    const server = await this.version();
    if (apiVersionNumber(server) < DELETE_JOB_API_VERSION) {
      throw new ConfigError(
        "deleteJob",
        `deleting jobs needs Jobs API version ${DELETE_JOB_API_VERSION} (Ray 2.6); this cluster reports version ${server.version}`,
      );
    }
    const path = `/api/jobs/${encodeId(id)}`;
    const response = await this.#send("DELETE", path, { what: `deleting job ${id}` });
    const data = parseJson(response.text);
    // The OpenAPI file says a bare boolean; the server sends {"deleted": true}. Accept both.
    if (typeof data === "boolean") return data;
    const parsed = z.object({ deleted: z.boolean() }).safeParse(data);
    if (!parsed.success) throw this.#badReply("DELETE", path, response, "no deleted field");
    return parsed.data.deleted;
  }

  /** Polls `getJob` until the job reaches what `until` names; a RayJobsError past `timeoutMs`. */
  async waitForJob(id: string, options: WaitForJobOptions = {}): Promise<RayJob> {
    const { until, timeoutMs, pollMs } = { until: "terminal", timeoutMs: 600_000, pollMs: 1000, ...options } as const;
    const reached = (status: JobStatus) =>
      until === "terminal"
        ? isTerminalJobStatus(status)
        : until === "running"
          ? status === "RUNNING" || isTerminalJobStatus(status)
          : until.includes(status);
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const job = await this.getJob(id);
      if (reached(job.status)) return job;
      if (Date.now() + pollMs > deadline) {
        throw new RayJobsError(
          `job ${id} is still ${job.status} after ${timeoutMs} ms (waited for ${Array.isArray(until) ? until.join("/") : until}); raise the timeout or look at its logs`,
          { status: undefined, body: job.message ?? "", method: "GET", url: `${this.address}/api/jobs/${id}` },
        );
      }
      await sleep(pollMs, options.signal);
    }
  }

  /**
   * Zips `directory` and uploads it as `gcs://_ray_pkg_<hash>.zip` (`PUT /api/packages/gcs/...`),
   * unless `GET` says the cluster has it already. Pass the returned `uri` as `runtimeEnv.working_dir`.
   */
  async uploadWorkingDir(directory: string, options: ZipWorkingDirOptions = {}): Promise<UploadWorkingDirResult> {
    const zipped = await zipWorkingDir(directory, options);
    const path = `/api/packages/gcs/${zipped.packageName}`;
    const summary = { uri: zipped.uri, bytes: zipped.zip.length, files: zipped.files };
    const probe = await this.#send("GET", path, { what: "checking for the package", isSuccess: (r) => r.status < 500 });
    if (probe.status === 200) return { ...summary, uploaded: false };
    if (probe.status !== 404) throw this.#statusError("GET", path, probe, "checking for the package");
    await this.#send("PUT", path, { body: zipped.zip, what: `uploading ${zipped.packageName}` });
    return { ...summary, uploaded: true };
  }

  async #send(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    options: { body?: string | Uint8Array; what: string; isSuccess?: (response: HttpResponse) => boolean },
  ): Promise<HttpResponse> {
    const url = `${this.address}${path}`;
    const headers: Record<string, string> = { ...this.#headers };
    if (typeof options.body === "string") headers["content-type"] = "application/json";
    else if (options.body) headers["content-type"] = "application/zip";
    const isSuccess = options.isSuccess ?? ((r: HttpResponse) => r.status >= 200 && r.status < 300);
    let last: RayJobsError | undefined;
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      if (attempt > 0) await sleep(backoffDelayMs(attempt - 1, this.#options.backoff));
      let response: HttpResponse;
      try {
        response = await httpRequest({ method, url, headers, body: options.body, timeoutMs: this.#timeoutMs });
      } catch (error) {
        if (!(error instanceof HttpConnectionFailure)) throw error;
        last = new RayJobsError(
          `${options.what}: ${error.message} at ${this.address}; check that the dashboard is up and the address is right (default port 8265)`,
          { status: undefined, body: "", method, url, cause: error },
        );
        continue;
      }
      if (isSuccess(response)) return response;
      last = this.#statusError(method, path, response, options.what);
      if (!last.isRetryable) throw last;
    }
    throw last as RayJobsError;
  }

  #statusError(method: string, path: string, response: HttpResponse, what: string): RayJobsError {
    const summary = summarizeRayBody(response.text);
    const advice =
      response.status === 401
        ? "the cluster requires a token: pass --token (token option), or set RAY_AUTH_TOKEN or RAY_AUTH_TOKEN_PATH"
        : response.status === 403
          ? "the cluster refused the token: check that it is this cluster's token (ray get-auth-token on the head node)"
          : response.status === 404 && path === "/api/version"
            ? "Version check returned 404: this dashboard is too old for the Jobs API; upgrade Ray to 2.2 or later"
            : response.status === 404
              ? "check the job id (lanpo ray list shows them)"
              : response.status >= 500
                ? "the cluster failed; it was retried, look at the dashboard's logs"
                : "the request was refused; fix it as the message says";
    return new RayJobsError(`${what}: HTTP ${response.status}: ${summary || "(empty body)"}; ${advice}`, {
      status: response.status,
      body: response.text,
      method,
      url: `${this.address}${path}`,
    });
  }

  #badReply(method: string, path: string, response: HttpResponse, why: string): RayJobsError {
    return new RayJobsError(
      `${method} ${path} answered ${response.status} with a body this client cannot read (${why}): ${response.text.slice(0, 200)}; is ${this.address} a Ray dashboard?`,
      { status: response.status, body: response.text, method, url: `${this.address}${path}` },
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function encodeId(id: string): string {
  if (typeof id !== "string" || id.trim() === "") throw new ConfigError("id", "a job id must be a non-empty string");
  return encodeURIComponent(id);
}
