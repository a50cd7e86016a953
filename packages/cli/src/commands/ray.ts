import { resolve } from "node:path";
import type { Writable } from "node:stream";
import { ConfigError } from "@lanpo/core";
import { type RayJob, RayJobsClient, type SubmitJobOptions } from "@lanpo/ray";
import { Command, Option } from "commander";

/** Where `lanpo ray` writes and what it reads; injectable so tests run it in-process. */
export interface RayCommandIo {
  /** @default process.stdout */
  stdout?: Writable;
  /** @default process.stderr */
  stderr?: Writable;
  /** Environment for RAY_ADDRESS and the token. @default process.env */
  env?: Record<string, string | undefined>;
}

interface ConnectionFlags {
  address?: string;
  token?: string;
  tokenHeader?: "authorization" | "x-ray-authorization";
  timeout?: string;
}

const HELP_AFTER = `
Examples:
  lanpo ray version --address http://head:8265
  lanpo ray submit --address http://head:8265 --submission-id lanpo-trainer-1 \\
      --working-dir packages/ray/trainer --num-gpus 0 --metadata run=demo \\
      --entrypoint "python -m lanpo_trainer.main --ingest-port 8000"
  lanpo ray status lanpo-trainer-1            (RAY_ADDRESS set)
  lanpo ray logs lanpo-trainer-1 --follow
  lanpo ray stop lanpo-trainer-1 && lanpo ray delete lanpo-trainer-1

--address defaults to RAY_ADDRESS; the token (clusters with RAY_AUTH_MODE=token, Ray >= 2.52) to
RAY_AUTH_TOKEN, then the file at RAY_AUTH_TOKEN_PATH, then ~/.ray/auth_token.
Submitting an id that was already submitted exits 0 and says so. An unknown job, a refused token or
an unreachable dashboard exits 2 with a message saying which.`;

function withConnection(command: Command): Command {
  return command
    .option("--address <url>", "the Ray dashboard, e.g. http://head-node:8265 (default: RAY_ADDRESS)")
    .option("--token <token>", "Ray auth token (default: RAY_AUTH_TOKEN / RAY_AUTH_TOKEN_PATH / ~/.ray/auth_token)")
    .addOption(
      new Option("--token-header <name>", "header carrying the token (x-ray-authorization behind a proxy)")
        .choices(["authorization", "x-ray-authorization"])
        .default("authorization"),
    )
    .option("--timeout <ms>", "time limit of one request, in milliseconds", "30000");
}

function parseMetadata(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf("=");
  if (at <= 0) throw new ConfigError("metadata", `expected key=value, got "${value}"; repeat --metadata for each pair`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

function parseNumber(field: string, integer = false) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
      throw new ConfigError(field, `expected a ${integer ? "whole " : ""}number >= 0, got "${value}"`);
    }
    return n;
  };
}

function describeJob(job: RayJob): string {
  const id = job.submissionId ?? job.jobId ?? "?";
  return `${job.status} ${id}${job.message ? `: ${job.message}` : ""}`;
}

/**
 * `lanpo ray`: the Ray Jobs API from the command line (`version`, `submit`, `status ID`, `logs ID
 * [--follow]`, `stop ID`, `delete ID`, `list`). Register with `program.addCommand(rayCommand())`.
 */
export function rayCommand(io: RayCommandIo = {}): Command {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const out = (text: string) => stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  const client = (flags: ConnectionFlags): RayJobsClient => {
    const address = flags.address ?? env.RAY_ADDRESS;
    if (!address) {
      throw new ConfigError("address", "no Ray dashboard given: pass --address http://HEAD:8265 or set RAY_ADDRESS");
    }
    const timeoutMs = Number(flags.timeout ?? 30_000);
    if (!(timeoutMs > 0))
      throw new ConfigError("timeout", `expected a positive number of milliseconds, got "${flags.timeout}"`);
    return new RayJobsClient({ address, token: flags.token, tokenHeader: flags.tokenHeader, timeoutMs, env });
  };

  const version = withConnection(new Command("version"))
    .description("print the cluster's Jobs API version and Ray release")
    .action(async (flags: ConnectionFlags) => {
      const v = await client(flags).version();
      out(`Jobs API version ${v.version} (Ray ${v.rayVersion ?? "unknown"})`);
    });

  const submit = withConnection(new Command("submit"))
    .description("submit a job (ray job submit --no-wait)")
    .requiredOption("--entrypoint <command>", "shell command run on the cluster")
    .option("--submission-id <id>", "the job's id; submitting it again is a no-op that exits 0")
    .option("--metadata <key=value>", "a metadata pair (repeat for more)", parseMetadata)
    .option("--num-cpus <n>", "CPUs reserved for the entrypoint", parseNumber("num-cpus"))
    .option("--num-gpus <n>", "GPUs reserved for the entrypoint", parseNumber("num-gpus"))
    .option(
      "--memory <bytes>",
      "memory reserved for the entrypoint, in bytes (Ray >= 2.8)",
      parseNumber("memory", true),
    )
    .option("--working-dir <dir>", "local folder uploaded as runtime_env.working_dir (skipped when the cluster has it)")
    .option("--runtime-env-json <json>", "runtime_env as JSON (env_vars, pip, ...); working_dir must be a remote URI")
    .action(
      async (
        flags: ConnectionFlags & {
          entrypoint: string;
          submissionId?: string;
          metadata?: Record<string, string>;
          numCpus?: number;
          numGpus?: number;
          memory?: number;
          workingDir?: string;
          runtimeEnvJson?: string;
        },
      ) => {
        const ray = client(flags);
        let runtimeEnv: Record<string, unknown> | undefined;
        if (flags.runtimeEnvJson !== undefined) {
          try {
            runtimeEnv = JSON.parse(flags.runtimeEnvJson);
          } catch (cause) {
            throw new ConfigError("runtime-env-json", `is not JSON (${(cause as Error).message})`, { cause });
          }
          if (typeof runtimeEnv !== "object" || runtimeEnv === null || Array.isArray(runtimeEnv)) {
            throw new ConfigError("runtime-env-json", 'must be a JSON object, e.g. {"env_vars": {"A": "1"}}');
          }
        }
        if (flags.workingDir) {
          const upload = await ray.uploadWorkingDir(resolve(flags.workingDir));
          stderr.write(
            `lanpo ray: ${upload.uploaded ? "uploaded" : "the cluster already has"} ${flags.workingDir} as ${upload.uri} (${upload.files} files)\n`,
          );
          runtimeEnv = { ...runtimeEnv, working_dir: upload.uri };
        }
        const options: SubmitJobOptions = { entrypoint: flags.entrypoint };
        if (flags.submissionId) options.submissionId = flags.submissionId;
        if (flags.metadata) options.metadata = flags.metadata;
        if (runtimeEnv) options.runtimeEnv = runtimeEnv;
        if (flags.numCpus !== undefined) options.entrypointNumCpus = flags.numCpus;
        if (flags.numGpus !== undefined) options.entrypointNumGpus = flags.numGpus;
        if (flags.memory !== undefined) options.entrypointMemory = flags.memory;
        const result = await ray.submitJob(options);
        out(
          result.alreadySubmitted
            ? `${result.submissionId} was already submitted; nothing was started (lanpo ray status ${result.submissionId})`
            : `submitted ${result.submissionId}`,
        );
      },
    );

  const status = withConnection(new Command("status"))
    .description("print a job's status word, its id and Ray's message")
    .argument("<id>", "submission id or driver job id")
    .action(async (id: string, flags: ConnectionFlags) => {
      out(describeJob(await client(flags).getJob(id)));
    });

  const logs = withConnection(new Command("logs"))
    .description("print a job's logs; --follow streams them until the job ends")
    .argument("<id>", "submission id")
    .option("--follow", "stream new lines as the job prints them (the /logs/tail WebSocket)")
    .action(async (id: string, flags: ConnectionFlags & { follow?: boolean }) => {
      const ray = client(flags);
      if (!flags.follow) {
        stdout.write(await ray.getLogs(id));
        return;
      }
      for await (const chunk of ray.tailLogs(id)) stdout.write(chunk);
    });

  const stop = withConnection(new Command("stop"))
    .description("ask Ray to stop a job; --wait waits until it is terminal")
    .argument("<id>", "submission id")
    .option("--wait", "wait for the job to be STOPPED (or otherwise terminal)")
    .action(async (id: string, flags: ConnectionFlags & { wait?: boolean }) => {
      const ray = client(flags);
      const stopped = await ray.stopJob(id);
      if (!stopped) {
        out(`${id} had already ended; nothing to stop`);
        return;
      }
      if (flags.wait) out(describeJob(await ray.waitForJob(id, { pollMs: 500 })));
      else out(`stopping ${id}`);
    });

  const remove = withConnection(new Command("delete"))
    .description("delete a terminal job and its logs (stop it first)")
    .argument("<id>", "submission id")
    .action(async (id: string, flags: ConnectionFlags) => {
      await client(flags).deleteJob(id);
      out(`deleted ${id}`);
    });

  const list = withConnection(new Command("list"))
    .description("list the cluster's jobs: status, id, entrypoint")
    .action(async (flags: ConnectionFlags) => {
      const jobs = await client(flags).listJobs();
      if (jobs.length === 0) out("no jobs");
      for (const job of jobs)
        out(`${job.status.padEnd(9)} ${(job.submissionId ?? job.jobId ?? "?").padEnd(28)} ${job.entrypoint}`);
    });

  const command = new Command("ray")
    .description("the Ray Jobs API: submit, watch, stop and list the jobs of a Ray cluster")
    .addHelpText("after", HELP_AFTER);
  for (const sub of [version, submit, status, logs, stop, remove, list]) {
    command.addCommand(sub);
    sub.exitOverride().showHelpAfterError("(run with --help for usage)");
    sub.configureOutput({ writeErr: (s) => stderr.write(s), writeOut: (s) => stdout.write(s) });
  }
  command.configureOutput({ writeErr: (s) => stderr.write(s), writeOut: (s) => stdout.write(s) });
  return command;
}
