import type { JobStatus } from "../jobs/job-status.js";

/**
 * What a {@link RayOptimizer} reports as it works, for the run's event log (noun-verb names):
 * deliveries, retries, and the trainer job it launched (status changes and log chunks).
 */
export type RayOptimizerEvent =
  | { type: "batch-acked"; batchId: string; policyVersion?: string; servedModel?: string }
  | { type: "batch-queued"; batchId: string; pending: number; error?: string }
  | { type: "delivery-refused"; batchId: string; error: string }
  | { type: "policy-changed"; policyVersion: string; servedModel?: string }
  | { type: "trainer-submitted"; submissionId: string; alreadySubmitted: boolean }
  | { type: "trainer-status"; submissionId: string; status: JobStatus; message: string | null }
  | { type: "trainer-log"; submissionId: string; text: string }
  | { type: "trainer-log-lost"; submissionId: string; error: string }
  | { type: "trainer-stopped"; submissionId: string; status: JobStatus | "unknown" };

/** Receives {@link RayOptimizerEvent}s; a listener that throws is ignored. */
export type RayOptimizerEventListener = (event: RayOptimizerEvent) => void;
