/** A Ray job's status (`ray.job_submission.JobStatus`). */
export type JobStatus = "PENDING" | "RUNNING" | "STOPPED" | "SUCCEEDED" | "FAILED";

export const JOB_STATUSES: readonly JobStatus[] = ["PENDING", "RUNNING", "STOPPED", "SUCCEEDED", "FAILED"];

/** Statuses a job never leaves. */
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ["STOPPED", "SUCCEEDED", "FAILED"];

export function isTerminalJobStatus(status: string): boolean {
  return (TERMINAL_JOB_STATUSES as readonly string[]).includes(status);
}
