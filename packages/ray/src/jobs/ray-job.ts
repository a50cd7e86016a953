import { z } from "zod";
import type { JobStatus } from "./job-status.js";

/** The wire shape of `JobDetails` (Ray's `pydantic_models.py`); extra fields are kept, not refused. */
export const JobDetailsSchema = z.looseObject({
  type: z.string().optional(),
  job_id: z.string().nullish(),
  submission_id: z.string().nullish(),
  status: z.enum(["PENDING", "RUNNING", "STOPPED", "SUCCEEDED", "FAILED"]),
  entrypoint: z.string(),
  message: z.string().nullish(),
  error_type: z.string().nullish(),
  start_time: z.number().nullish(),
  end_time: z.number().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  runtime_env: z.record(z.string(), z.unknown()).nullish(),
  driver_exit_code: z.number().nullish(),
  driver_info: z.looseObject({ id: z.string().nullish(), node_ip_address: z.string().nullish() }).nullish(),
});

/** One job as the dashboard reports it, in camelCase. Times are Unix milliseconds. */
export interface RayJob {
  /** `SUBMISSION` (submitted through the Jobs API) or `DRIVER` (a script that called ray.init). */
  type: string;
  submissionId: string | null;
  /** The Ray driver job id (hex), once the driver has started. */
  jobId: string | null;
  status: JobStatus;
  entrypoint: string;
  message: string | null;
  errorType: string | null;
  startTimeMs: number | null;
  endTimeMs: number | null;
  metadata: Record<string, string>;
  runtimeEnv: Record<string, unknown>;
  driverExitCode: number | null;
  /** The whole object as Ray sent it, for fields this client does not name. */
  raw: Record<string, unknown>;
}

export function toRayJob(details: z.infer<typeof JobDetailsSchema>): RayJob {
  return {
    type: details.type ?? "SUBMISSION",
    submissionId: details.submission_id ?? null,
    jobId: details.job_id ?? null,
    status: details.status,
    entrypoint: details.entrypoint,
    message: details.message ?? null,
    errorType: details.error_type ?? null,
    startTimeMs: details.start_time ?? null,
    endTimeMs: details.end_time ?? null,
    metadata: details.metadata ?? {},
    runtimeEnv: details.runtime_env ?? {},
    driverExitCode: details.driver_exit_code ?? null,
    raw: details,
  };
}
