import { ConfigError } from "@lanpo/core";
import { z } from "zod";
import { type RayServerVersion, SUBMIT_FIELD_REQUIREMENTS, serverKnowsField } from "./ray-server-version.js";

/** What to submit: `ray job submit` as one object. Only `entrypoint` is required. */
export interface SubmitJobOptions {
  /** The shell command run on the cluster, e.g. `python -m lanpo_trainer.main --ingest-port 8000`. */
  entrypoint: string;
  /**
   * The job's id. Give one to make the submit idempotent: submitting it again reports
   * `alreadySubmitted` instead of starting a second job. @default a generated `raysubmit_...` id
   */
  submissionId?: string;
  /**
   * Ray's runtime environment, with Ray's own snake_case keys (`working_dir`, `env_vars`, `pip`,
   * `py_modules`). `working_dir` and `py_modules` must be remote URIs: upload a local folder with
   * `RayJobsClient.uploadWorkingDir` and pass the `gcs://` URI it returns.
   */
  runtimeEnv?: Record<string, unknown>;
  /** Free-form labels; values must be strings (Ray refuses others with a 400). */
  metadata?: Record<string, string>;
  /** CPUs reserved for the entrypoint process. @default 0 */
  entrypointNumCpus?: number;
  /** GPUs reserved for the entrypoint process (they are then not free for the trainer's workers). @default 0 */
  entrypointNumGpus?: number;
  /** Memory reserved for the entrypoint, in bytes (an integer; needs Ray >= 2.8). */
  entrypointMemory?: number;
  /** Custom resources reserved for the entrypoint, e.g. `{ "accelerator_type:H100": 0.001 }`. */
  entrypointResources?: Record<string, number>;
  /** Node labels the entrypoint must run on (needs Ray >= 2.54). */
  entrypointLabelSelector?: Record<string, string>;
}

const SubmitJobOptionsSchema = z.strictObject({
  entrypoint: z.string().trim().min(1, "must be a non-empty shell command"),
  submissionId: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, "may hold only letters, digits, '_', '.' and '-'")
    .optional(),
  runtimeEnv: z.record(z.string(), z.unknown()).optional(),
  metadata: z.record(z.string(), z.string({ error: "metadata values must be strings" })).optional(),
  entrypointNumCpus: z.number().nonnegative().optional(),
  entrypointNumGpus: z.number().nonnegative().optional(),
  entrypointMemory: z.number().int("must be a whole number of bytes").nonnegative().optional(),
  entrypointResources: z.record(z.string(), z.number().nonnegative()).optional(),
  entrypointLabelSelector: z.record(z.string(), z.string()).optional(),
});

const WIRE_NAMES: Record<string, string> = {
  entrypointNumCpus: "entrypoint_num_cpus",
  entrypointNumGpus: "entrypoint_num_gpus",
  entrypointMemory: "entrypoint_memory",
  entrypointResources: "entrypoint_resources",
  entrypointLabelSelector: "entrypoint_label_selector",
};

/** A remote package URI Ray can fetch (`gcs://`, `s3://`, `https://...zip`), as opposed to a local path. */
export function isRemoteUri(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

/**
 * The `POST /api/jobs/` body for `options`, holding only fields `server` knows. A field the
 * caller set that the server does not know is a ConfigError naming the release that added it:
 * dropping it silently would run the job without the reservation the caller asked for.
 */
export function submitJobBody(
  options: SubmitJobOptions,
  server: RayServerVersion,
  submissionId: string,
): Record<string, unknown> {
  const parsed = SubmitJobOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(issue?.path.join(".") || "submitJob", issue?.message ?? "is malformed");
  }
  const valid = parsed.data;
  const body: Record<string, unknown> = { entrypoint: valid.entrypoint, submission_id: submissionId };
  if (valid.runtimeEnv) {
    for (const key of ["working_dir", "py_modules"]) {
      const value = valid.runtimeEnv[key];
      const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
      const local = values.find((v) => typeof v !== "string" || !isRemoteUri(v));
      if (local !== undefined) {
        throw new ConfigError(
          `runtimeEnv.${key}`,
          `"${String(local)}" is a local path, which the cluster cannot read; upload the folder with uploadWorkingDir() (lanpo ray submit --working-dir DIR) and pass the gcs:// URI it returns`,
        );
      }
    }
    body.runtime_env = valid.runtimeEnv;
  }
  if (valid.metadata) body.metadata = valid.metadata;
  for (const [name, wire] of Object.entries(WIRE_NAMES)) {
    const value = valid[name as keyof typeof valid];
    if (value === undefined) continue;
    if (!serverKnowsField(server, wire)) {
      throw new ConfigError(
        name,
        `needs ${SUBMIT_FIELD_REQUIREMENTS[wire]?.since ?? "a newer Ray"}; this cluster reports Jobs API version ${server.version} (Ray ${server.rayVersion ?? "unknown"}): leave ${name} out or upgrade the cluster`,
      );
    }
    body[wire] = value;
  }
  return body;
}
