// `lanpo ray` against the fake dashboard: in-process for the behaviours, spawned for exit codes.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import test from "ava";
import { rayCommand } from "../../packages/cli/src/commands/ray.js";
import { runCli } from "../cli/run-cli.js";
import { type FakeRayDashboardOptions, startFakeRayDashboard } from "../fixtures/ray-dashboard-fake-server.js";

function sink(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

async function ray(args: string[], env: Record<string, string | undefined> = {}) {
  const stdout = sink();
  const stderr = sink();
  const command = rayCommand({ stdout: stdout.stream, stderr: stderr.stream, env: { HOME: "/nonexistent", ...env } });
  command.exitOverride();
  let error: unknown;
  try {
    await command.parseAsync(args, { from: "user" });
  } catch (caught) {
    error = caught;
  }
  return { stdout: stdout.text(), stderr: stderr.text(), error: error as (Error & { status?: number }) | undefined };
}

async function dashboard(options: FakeRayDashboardOptions = {}) {
  const server = await startFakeRayDashboard(options);
  return server;
}

test("version, submit with metadata and GPUs, status word first, list", async (t) => {
  const server = await dashboard();
  t.teardown(() => server.close());
  const a = ["--address", server.address];
  t.is((await ray(["version", ...a])).stdout, "Jobs API version 5 (Ray 2.60.0)\n");
  const submitted = await ray([
    "submit",
    ...a,
    "--entrypoint",
    "python -m lanpo_trainer.main",
    "--submission-id",
    "job-1",
    "--metadata",
    "run=demo",
    "--metadata",
    "owner=me",
    "--num-gpus",
    "1",
    "--memory",
    "1073741824",
  ]);
  t.is(submitted.stdout, "submitted job-1\n");
  t.deepEqual(server.jobs.get("job-1")?.body, {
    entrypoint: "python -m lanpo_trainer.main",
    submission_id: "job-1",
    metadata: { run: "demo", owner: "me" },
    entrypoint_num_gpus: 1,
    entrypoint_memory: 1073741824,
  });
  t.is((await ray(["status", "job-1", ...a])).stdout, "PENDING job-1: Job has not started yet.\n");
  server.setStatus("job-1", "RUNNING");
  t.regex((await ray(["status", "job-1", ...a])).stdout, /^RUNNING job-1/);
  t.regex((await ray(["list", ...a])).stdout, /^RUNNING\s+job-1\s+python -m lanpo_trainer\.main\n$/);
});

test("submitting an id already submitted succeeds and says so", async (t) => {
  const server = await dashboard();
  t.teardown(() => server.close());
  const args = ["submit", "--address", server.address, "--entrypoint", "echo", "--submission-id", "dup"];
  await ray(args);
  const again = await ray(args);
  t.is(again.error, undefined);
  t.regex(again.stdout, /dup was already submitted/);
});

test("--working-dir is uploaded and becomes runtime_env.working_dir; RAY_ADDRESS is the default address", async (t) => {
  const server = await dashboard();
  t.teardown(() => server.close());
  const dir = mkdtempSync(join(tmpdir(), "lanpo-ray-cli-"));
  mkdirSync(join(dir, "pkg"));
  writeFileSync(join(dir, "pkg", "main.py"), "print(1)\n");
  const result = await ray(
    [
      "submit",
      "--entrypoint",
      "python pkg/main.py",
      "--working-dir",
      dir,
      "--runtime-env-json",
      '{"env_vars":{"A":"1"}}',
    ],
    { RAY_ADDRESS: server.address },
  );
  t.regex(result.stderr, /uploaded .* as gcs:\/\/_ray_pkg_/);
  const job = [...server.jobs.values()][0];
  t.regex(String(job?.runtime_env.working_dir), /^gcs:\/\//);
  t.deepEqual(job?.runtime_env.env_vars, { A: "1" });
});

test("logs prints the log; --follow streams until the job ends; stop and delete", async (t) => {
  const server = await dashboard();
  t.teardown(() => server.close());
  const a = ["--address", server.address];
  await ray(["submit", ...a, "--entrypoint", "train", "--submission-id", "j"]);
  server.setStatus("j", "RUNNING");
  server.appendLog("j", "line 1\n");
  t.is((await ray(["logs", "j", ...a])).stdout, "line 1\n");
  const following = ray(["logs", "j", "--follow", ...a]);
  await new Promise((r) => setTimeout(r, 100));
  server.appendLog("j", "line 2\n");
  server.setStatus("j", "SUCCEEDED");
  t.is((await following).stdout, "line 1\nline 2\n");
  t.regex((await ray(["stop", "j", ...a])).stdout, /already ended/);
  t.is((await ray(["delete", "j", ...a])).stdout, "deleted j\n");
  await ray(["submit", ...a, "--entrypoint", "train", "--submission-id", "k"]);
  t.regex((await ray(["stop", "k", "--wait", ...a])).stdout, /^STOPPED k/);
});

test("bad flags are ConfigErrors naming the flag", async (t) => {
  const server = await dashboard();
  t.teardown(() => server.close());
  const a = ["--address", server.address, "--entrypoint", "echo"];
  t.regex(String((await ray(["submit", ...a, "--metadata", "novalue"])).error?.message), /metadata.*key=value/);
  t.regex(String((await ray(["submit", ...a, "--num-gpus", "-1"])).error?.message), /num-gpus/);
  t.regex(String((await ray(["submit", ...a, "--runtime-env-json", "{"])).error?.message), /runtime-env-json/);
  t.regex(String((await ray(["version"])).error?.message), /RAY_ADDRESS/);
});

test("a refused or missing token is an error saying so", async (t) => {
  const server = await dashboard({ token: "good" });
  t.teardown(() => server.close());
  const missing = await ray(["list", "--address", server.address]);
  t.regex(String(missing.error?.message), /HTTP 401: Unauthorized: Missing authentication token.*--token/);
  const ok = await ray([
    "list",
    "--address",
    server.address,
    "--token-header",
    "x-ray-authorization",
    "--token",
    "good",
  ]);
  t.is(ok.stdout, "no jobs\n");
});

test("exit codes: an unknown job and a refused token exit 2 with a message saying which", async (t) => {
  const server = await dashboard({ token: "good" });
  t.teardown(() => server.close());
  const env = { RAY_AUTH_TOKEN: undefined, RAY_AUTH_TOKEN_PATH: undefined, HOME: "/nonexistent" };
  const [unknown, refused] = await Promise.all([
    runCli(["ray", "status", "ghost", "--address", server.address, "--token", "good"], env),
    runCli(["ray", "list", "--address", server.address, "--token", "bad"], env),
  ]);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /HTTP 404: Job ghost does not exist/);
  t.is(refused.code, 2);
  t.regex(refused.stderr, /HTTP 403: Forbidden: Invalid authentication token/);
});
