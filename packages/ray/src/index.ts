// @lanpo/ray: LANPO on a Ray GPU cluster.

// Retry helpers
export type { BackoffOptions } from "./http/backoff.js";
export { backoffDelayMs } from "./http/backoff.js";
// The trainer ingest protocol
export { IngestError, isRetryableStatus } from "./ingest/ingest-error.js";
export type { BatchReply, ErrorReply, IngestErrorCode, IngestStatus } from "./ingest/ingest-schemas.js";
export {
  BatchReplySchema,
  ErrorReplySchema,
  INGEST_ERROR_CODES,
  INGEST_SCHEMA_URL,
  IngestStatusSchema,
  ingestJsonSchema,
  ingestValidator,
} from "./ingest/ingest-schemas.js";
export { IngestSink } from "./ingest/ingest-sink.js";
export type { IngestSinkOptions } from "./ingest/ingest-sink-options.js";
// Ray Jobs REST client
export type { JobStatus } from "./jobs/job-status.js";
export { isTerminalJobStatus, JOB_STATUSES, TERMINAL_JOB_STATUSES } from "./jobs/job-status.js";
export type { RayAuthTokenSources } from "./jobs/ray-auth-token.js";
export { resolveRayAuthToken } from "./jobs/ray-auth-token.js";
export type { RayJob } from "./jobs/ray-job.js";
export type {
  SubmitJobResult,
  UploadWorkingDirResult,
  WaitForJobOptions,
} from "./jobs/ray-jobs-client.js";
export { RayJobsClient } from "./jobs/ray-jobs-client.js";
export type { RayJobsClientOptions } from "./jobs/ray-jobs-client-options.js";
export { RayJobsError } from "./jobs/ray-jobs-error.js";
export type { RayServerVersion } from "./jobs/ray-server-version.js";
export type { SubmitJobOptions } from "./jobs/submit-job-options.js";
export type { ZippedWorkingDir, ZipWorkingDirOptions } from "./jobs/zip-working-dir.js";
export { DEFAULT_WORKING_DIR_EXCLUDES, zipWorkingDir } from "./jobs/zip-working-dir.js";
// The Ray optimizer
export type { OpenRayOptimizerOptions } from "./optimizer/open-ray-optimizer.js";
export { openRayOptimizer } from "./optimizer/open-ray-optimizer.js";
export type { RayOptimizerOptions, RayOutbox } from "./optimizer/ray-optimizer.js";
export { RayOptimizer, UNKNOWN_POLICY_VERSION } from "./optimizer/ray-optimizer.js";
export type { RayOptimizerEvent, RayOptimizerEventListener } from "./optimizer/ray-optimizer-events.js";
export type { TrainerJobOptions } from "./optimizer/trainer-job.js";
export { TrainerJob } from "./optimizer/trainer-job.js";
// The OpenRLHF remote reward endpoint
export type { GroupedPoolWriterOptions, ScoredSample } from "./reward/grouped-pool-writer.js";
export { GroupedPoolWriter } from "./reward/grouped-pool-writer.js";
export type { ProblemLookup } from "./reward/problem-index.js";
export { ProblemIndex } from "./reward/problem-index.js";
export type { RewardReply, RewardRequest } from "./reward/reward-request-schema.js";
export { RewardRequestSchema } from "./reward/reward-request-schema.js";
export { RewardServer } from "./reward/reward-server.js";
export type { RewardServerOptions } from "./reward/reward-server-options.js";
