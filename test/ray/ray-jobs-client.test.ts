// Contract tests of RayJobsClient against the strict fake dashboard (test/fixtures).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@lanpo/core";
import { RayJobsClient, RayJobsError } from "@lanpo/ray";
import test from "ava";
import { unzipSync } from "fflate";
import { type FakeRayDashboardOptions, startFakeRayDashboard } from "../fixtures/ray-dashboard-fake-server.js";

const FAST = { backoff: { initialDelayMs: 1, maxDelayMs: 5 }, env: {}, home: "/nonexistent" };

async function setup(
  options: FakeRayDashboardOptions = {},
  client: Partial<ConstructorParameters<typeof RayJobsClient>[0]> = {},
) {
  const dashboard = await startFakeRayDashboard(options);
  const ray = new RayJobsClient({ address: dashboard.address, ...FAST, ...client });
  return { dashboard, ray };
}

test("version is asked once and read", async (t) => {
  const { dashboard, ray } = await setup();
  t.teardown(() => dashboard.close());
  const a = await ray.version();
  await ray.version();
  t.is(a.version, "5");
  t.is(a.rayVersion, "2.60.0");
  t.is(dashboard.requests.filter((r) => r.path === "/api/version").length, 1);
});

test("a 404 version check says the cluster is too old", async (t) => {
  const { dashboard, ray } = await setup({ version: "404" });
  t.teardown(() => dashboard.close());
  const error = await t.throwsAsync(ray.version(), { instanceOf: RayJobsError });
  t.is(error.status, 404);
  t.regex(error.message, /Version check returned 404/);
  t.false(error.isRetryable);
});

test("submit posts to /api/jobs/ with the trailing slash, string metadata and an integer memory", async (t) => {
  const { dashboard, ray } = await setup();
  t.teardown(() => dashboard.close());
  const result = await ray.submitJob({
    entrypoint: "python -m lanpo_trainer.main",
    submissionId: "lanpo-1",
    metadata: { run: "demo" },
    runtimeEnv: { working_dir: "gcs://_ray_pkg_abc.zip", env_vars: { A: "1" } },
    entrypointNumCpus: 1,
    entrypointNumGpus: 0.5,
    entrypointMemory: 2 ** 30,
    entrypointResources: { custom: 1 },
    entrypointLabelSelector: { zone: "a" },
  });
  t.deepEqual(result, { submissionId: "lanpo-1", alreadySubmitted: false });
  const post = dashboard.requests.find((r) => r.method === "POST");
  t.is(post?.path, "/api/jobs/");
  t.deepEqual(JSON.parse(post?.body ?? "{}"), {
    entrypoint: "python -m lanpo_trainer.main",
    submission_id: "lanpo-1",
    metadata: { run: "demo" },
    runtime_env: { working_dir: "gcs://_ray_pkg_abc.zip", env_vars: { A: "1" } },
    entrypoint_num_cpus: 1,
    entrypoint_num_gpus: 0.5,
    entrypoint_memory: 2 ** 30,
    entrypoint_resources: { custom: 1 },
    entrypoint_label_selector: { zone: "a" },
  });
  t.is(dashboard.jobs.get("lanpo-1")?.status, "PENDING");
});

test("without an id the client generates one Ray-style, so a retried submit stays one job", async (t) => {
  const { dashboard, ray } = await setup();
  t.teardown(() => dashboard.close());
  dashboard.failNext(1, "drop");
  const { submissionId } = await ray.submitJob({ entrypoint: "echo hi" });
  t.regex(submissionId, /^raysubmit_[A-HJ-NP-Za-km-z1-9]{16}$/);
  t.is(dashboard.jobs.size, 1);
});

for (const status of [400, 500] as const) {
  test(`a duplicate submission_id at HTTP ${status} counts as already submitted`, async (t) => {
    const { dashboard, ray } = await setup({ duplicateStatus: status });
    t.teardown(() => dashboard.close());
    await ray.submitJob({ entrypoint: "echo", submissionId: "same" });
    const again = await ray.submitJob({ entrypoint: "echo", submissionId: "same" });
    t.deepEqual(again, { submissionId: "same", alreadySubmitted: true });
    // The duplicate at 500 is recognised by its body, not retried.
    t.is(dashboard.requests.filter((r) => r.method === "POST").length, 2);
  });
}

test("a submit retried after a dropped connection that had landed counts as already submitted", async (t) => {
  // The first POST is applied but its answer lost: simulate by submitting, then replaying.
  const { dashboard, ray } = await setup();
  t.teardown(() => dashboard.close());
  await ray.submitJob({ entrypoint: "echo", submissionId: "lost-ack" });
  dashboard.failNext(1, "500");
  t.deepEqual(await ray.submitJob({ entrypoint: "echo", submissionId: "lost-ack" }), {
    submissionId: "lost-ack",
    alreadySubmitted: true,
  });
});

test("fields an older server does not know are refused before sending, naming the release", async (t) => {
  const { dashboard, ray } = await setup({ version: "4", rayVersion: "2.7.1" });
  t.teardown(() => dashboard.close());
  const memory = await t.throwsAsync(ray.submitJob({ entrypoint: "echo", entrypointMemory: 1024 }), {
    instanceOf: ConfigError,
  });
  t.regex(memory.message, /Ray 2\.8/);
  const labels = await t.throwsAsync(ray.submitJob({ entrypoint: "echo", entrypointLabelSelector: { a: "b" } }), {
    instanceOf: ConfigError,
  });
  t.regex(labels.message, /2\.54/);
  t.is(dashboard.requests.filter((r) => r.method === "POST").length, 0);
  // What it does know goes through.
  t.false((await ray.submitJob({ entrypoint: "echo", entrypointNumGpus: 1 })).alreadySubmitted);
});

test("version 3 servers get no DELETE and no memory; a version 5 server below 2.54 no label selector", async (t) => {
  const v3 = await setup({ version: "3", rayVersion: "2.4.0" });
  t.teardown(() => v3.dashboard.close());
  await v3.ray.submitJob({ entrypoint: "echo", submissionId: "j" });
  await t.throwsAsync(v3.ray.deleteJob("j"), { instanceOf: ConfigError, message: /version 4/ });
  const v5 = await setup({ version: "5", rayVersion: "2.50.0" });
  t.teardown(() => v5.dashboard.close());
  await t.throwsAsync(v5.ray.submitJob({ entrypoint: "echo", entrypointLabelSelector: { a: "b" } }), {
    instanceOf: ConfigError,
  });
  t.false((await v5.ray.submitJob({ entrypoint: "echo", entrypointMemory: 10 })).alreadySubmitted);
});

test("the fake server refuses an unknown field with a 400 traceback, and the client reports it unretried", async (t) => {
  const { dashboard } = await setup();
  t.teardown(() => dashboard.close());
  const response = await fetch(`${dashboard.address}/api/jobs/`, {
    method: "POST",
    body: JSON.stringify({ entrypoint: "echo", retry_policy: { max_retries: 1 } }),
  });
  t.is(response.status, 400);
  t.regex(await response.text(), /Traceback[\s\S]*TypeError: .*unexpected keyword argument 'retry_policy'/);
});

test("bad options are ConfigErrors: non-string metadata, float memory, local working_dir", async (t) => {
  const { dashboard, ray } = await setup();
  t.teardown(() => dashboard.close());
  await t.throwsAsync(ray.submitJob({ entrypoint: "echo", metadata: { n: 1 as unknown as string } }), {
    instanceOf: ConfigError,
    message: /metadata/,
  });
  await t.throwsAsync(ray.submitJob({ entrypoint: "echo", entrypointMemory: 1.5 }), {
    instanceOf: ConfigError,
    message: /entrypointMemory/,
  });
  await t.throwsAsync(ray.submitJob({ entrypoint: "echo", runtimeEnv: { working_dir: "./trainer" } }), {
    instanceOf: ConfigError,
    message: /uploadWorkingDir/,
  });
  await t.throwsAsync(ray.submitJob({ entrypoint: "  " }), { instanceOf: ConfigError });
  t.is(dashboard.requests.filter((r) => r.method === "POST").length, 0);
});

test("getJob reads JobDetails; an unknown job is a 404 with Ray's text; a driver job id works", async (t) => {
  const { dashboard, ray } = await setup();
  t.teardown(() => dashboard.close());
  await ray.submitJob({ entrypoint: "echo", submissionId: "a", metadata: { k: "v" } });
  dashboard.setStatus("a", "RUNNING");
  const job = await ray.getJob("a");
  t.is(job.status, "RUNNING");
  t.is(job.submissionId, "a");
  t.deepEqual(job.metadata, { k: "v" });
  t.is(typeof job.startTimeMs, "number");
  const byDriver = await ray.getJob(job.jobId as string);
  t.is(byDriver.submissionId, "a");
  const missing = await t.throwsAsync(ray.getJob("nope"), { instanceOf: RayJobsError });
  t.is(missing.status, 404);
  t.regex(missing.message, /Job nope does not exist/);
  t.false(missing.isRetryable);
  t.is(dashboard.requests.filter((r) => r.path === "/api/jobs/nope").length, 1);
});

test("listJobs reads the list; logs of driver jobs are refused with Ray's 400 text", async (t) => {
  const { dashboard, ray } = await setup();
  t.teardown(() => dashboard.close());
  await ray.submitJob({ entrypoint: "echo", submissionId: "s1" });
  dashboard.addDriverJob("03000000");
  const jobs = await ray.listJobs();
  t.deepEqual(
    jobs.map((j) => [j.type, j.submissionId]),
    [
      ["SUBMISSION", "s1"],
      ["DRIVER", null],
    ],
  );
  const error = await t.throwsAsync(ray.getLogs("03000000"), { instanceOf: RayJobsError });
  t.is(error.status, 400);
  t.regex(error.message, /Can only get logs of submission type jobs/);
});

test("getLogs is empty before the driver starts, then holds what it printed", async (t) => {
  const { dashboard, ray } = await setup();
  t.teardown(() => dashboard.close());
  await ray.submitJob({ entrypoint: "echo", submissionId: "l" });
  t.is(await ray.getLogs("l"), "");
  dashboard.setStatus("l", "RUNNING");
  dashboard.appendLog("l", "step 1\n");
  t.is(await ray.getLogs("l"), "step 1\n");
});

test("tailLogs yields the text frames and ends when the job is terminal", async (t) => {
  const { dashboard, ray } = await setup();
  t.teardown(() => dashboard.close());
  await ray.submitJob({ entrypoint: "echo", submissionId: "t" });
  dashboard.setStatus("t", "RUNNING");
  dashboard.appendLog("t", "before\n");
  const chunks: string[] = [];
  const iterator = ray.tailLogs("t");
  const first = await iterator.next();
  chunks.push(first.value as string);
  dashboard.appendLog("t", "after\n");
  dashboard.setStatus("t", "SUCCEEDED");
  for await (const chunk of { [Symbol.asyncIterator]: () => iterator }) chunks.push(chunk);
  t.is(chunks.join(""), "before\nafter\n");
});

test("tailLogs of an unknown job throws the 404 before the upgrade; a dropped stream throws", async (t) => {
  const { dashboard, ray } = await setup();
  t.teardown(() => dashboard.close());
  const error = await t.throwsAsync(
    (async () => {
      for await (const _ of ray.tailLogs("ghost")) {
      }
    })(),
    { instanceOf: RayJobsError },
  );
  t.is(error.status, 404);
  t.regex(error.message, /Job ghost does not exist/);
  await ray.submitJob({ entrypoint: "echo", submissionId: "d" });
  dashboard.setStatus("d", "RUNNING");
  const dropped = t.throwsAsync(
    (async () => {
      for await (const _ of ray.tailLogs("d")) dashboard.dropTails();
    })(),
    { instanceOf: RayJobsError, message: /1006|cut off|socket hang up|closed/ },
  );
  dashboard.appendLog("d", "x\n");
  await dropped;
});

test("a finished job's tail gives its whole log then ends", async (t) => {
  const { dashboard, ray } = await setup();
  t.teardown(() => dashboard.close());
  await ray.submitJob({ entrypoint: "echo", submissionId: "f" });
  dashboard.setStatus("f", "RUNNING");
  dashboard.appendLog("f", "all\n");
  dashboard.setStatus("f", "FAILED");
  const chunks: string[] = [];
  for await (const chunk of ray.tailLogs("f")) chunks.push(chunk);
  t.deepEqual(chunks, ["all\n"]);
});

test("stop answers {stopped}, then waitForJob sees STOPPED; delete refuses a running job with Ray's text", async (t) => {
  const { dashboard, ray } = await setup();
  t.teardown(() => dashboard.close());
  await ray.submitJob({ entrypoint: "sleep 100", submissionId: "s" });
  dashboard.setStatus("s", "RUNNING");
  const running = await t.throwsAsync(ray.deleteJob("s"), { instanceOf: RayJobsError });
  t.is(running.status, 500);
  t.regex(running.message, /non-terminal state RUNNING/);
  t.true(await ray.stopJob("s"));
  const stopped = await ray.waitForJob("s", { pollMs: 5, timeoutMs: 5000 });
  t.is(stopped.status, "STOPPED");
  t.false(await ray.stopJob("s"));
  t.true(await ray.deleteJob("s"));
  await t.throwsAsync(ray.getJob("s"), { instanceOf: RayJobsError, message: /does not exist/ });
});

test("waitForJob gives up past its timeout, naming the status", async (t) => {
  const { dashboard, ray } = await setup();
  t.teardown(() => dashboard.close());
  await ray.submitJob({ entrypoint: "echo", submissionId: "w" });
  await t.throwsAsync(ray.waitForJob("w", { until: "running", pollMs: 5, timeoutMs: 30 }), {
    instanceOf: RayJobsError,
    message: /still PENDING/,
  });
  dashboard.setStatus("w", "RUNNING");
  t.is((await ray.waitForJob("w", { until: "running", pollMs: 5 })).status, "RUNNING");
});

test("5xx and dropped connections are retried with backoff; a 4xx never is", async (t) => {
  const { dashboard, ray } = await setup({}, { retries: 2 });
  t.teardown(() => dashboard.close());
  await ray.version();
  dashboard.failNext(2, "500");
  t.deepEqual(await ray.listJobs(), []);
  dashboard.failNext(2, "drop");
  t.deepEqual(await ray.listJobs(), []);
  dashboard.failNext(3, "500");
  const error = await t.throwsAsync(ray.listJobs(), { instanceOf: RayJobsError });
  t.is(error.status, 500);
  t.true(error.isRetryable);
  t.regex(error.body, /No available agent/);
  const before = dashboard.requests.length;
  await t.throwsAsync(ray.getJob("missing"));
  t.is(dashboard.requests.length - before, 1);
});

test("a slow server past timeoutMs is a retryable RayJobsError without a status", async (t) => {
  const { dashboard, ray } = await setup({ delayMs: 300 }, { timeoutMs: 50, retries: 1 });
  t.teardown(() => dashboard.close());
  const error = await t.throwsAsync(ray.listJobs(), { instanceOf: RayJobsError });
  t.is(error.status, undefined);
  t.true(error.isRetryable);
  t.regex(error.message, /no answer within 50 ms/);
});

test("a dashboard that is not there is a connection error naming the address", async (t) => {
  const ray = new RayJobsClient({ address: "http://127.0.0.1:9", retries: 0, ...FAST });
  const error = await t.throwsAsync(ray.version(), { instanceOf: RayJobsError });
  t.regex(error.message, /127\.0\.0\.1:9/);
  t.throws(() => new RayJobsClient({ address: "head:8265" }), { instanceOf: ConfigError });
});

test("token auth: none is 401, a wrong one 403, both unretried with Ray's text; the right one passes", async (t) => {
  const none = await setup({ token: "s3cret" });
  t.teardown(() => none.dashboard.close());
  const missing = await t.throwsAsync(none.ray.version(), { instanceOf: RayJobsError });
  t.is(missing.status, 401);
  t.regex(missing.message, /Missing authentication token.*--token/);
  const wrong = new RayJobsClient({ address: none.dashboard.address, token: "nope", ...FAST });
  const refused = await t.throwsAsync(wrong.version(), { instanceOf: RayJobsError });
  t.is(refused.status, 403);
  t.regex(refused.message, /Invalid authentication token/);
  t.is(none.dashboard.requests.length, 2);
  const right = new RayJobsClient({ address: none.dashboard.address, token: "s3cret", ...FAST });
  t.is((await right.version()).version, "5");
  t.is(none.dashboard.requests.at(-1)?.headers.authorization, "Bearer s3cret");
});

test("token auth: X-Ray-Authorization for proxies, and the token from RAY_AUTH_TOKEN or RAY_AUTH_TOKEN_PATH", async (t) => {
  const { dashboard } = await setup({ token: "tok" });
  t.teardown(() => dashboard.close());
  const proxied = new RayJobsClient({
    address: dashboard.address,
    token: "tok",
    tokenHeader: "x-ray-authorization",
    ...FAST,
  });
  await proxied.version();
  t.is(dashboard.requests.at(-1)?.headers["x-ray-authorization"], "Bearer tok");
  t.is(dashboard.requests.at(-1)?.headers.authorization, undefined);
  await new RayJobsClient({ address: dashboard.address, ...FAST, env: { RAY_AUTH_TOKEN: "tok" } }).version();
  const dir = mkdtempSync(join(tmpdir(), "lanpo-ray-token-"));
  writeFileSync(join(dir, "token"), "tok\n");
  await new RayJobsClient({
    address: dashboard.address,
    ...FAST,
    env: { RAY_AUTH_TOKEN_PATH: join(dir, "token") },
  }).version();
  mkdirSync(join(dir, ".ray"));
  writeFileSync(join(dir, ".ray", "auth_token"), "tok");
  await new RayJobsClient({ address: dashboard.address, ...FAST, home: dir }).version();
  t.throws(
    () => new RayJobsClient({ address: dashboard.address, env: { RAY_AUTH_TOKEN_PATH: join(dir, "missing") } }),
    {
      instanceOf: ConfigError,
      message: /RAY_AUTH_TOKEN_PATH/,
    },
  );
  // The tail WebSocket carries the token too.
  const ray = new RayJobsClient({ address: dashboard.address, token: "tok", ...FAST });
  await ray.submitJob({ entrypoint: "echo", submissionId: "x" });
  dashboard.setStatus("x", "SUCCEEDED");
  for await (const _ of ray.tailLogs("x")) {
  }
  const anonymous = new RayJobsClient({ address: dashboard.address, ...FAST });
  const error = await t.throwsAsync(
    (async () => {
      for await (const _ of anonymous.tailLogs("x")) {
      }
    })(),
    { instanceOf: RayJobsError },
  );
  t.is(error.status, 401);
});

test("uploadWorkingDir zips the folder's contents, PUTs it once, and skips the upload when GET finds it", async (t) => {
  const { dashboard, ray } = await setup();
  t.teardown(() => dashboard.close());
  const dir = mkdtempSync(join(tmpdir(), "lanpo-ray-wd-"));
  mkdirSync(join(dir, "pkg"));
  mkdirSync(join(dir, ".git"));
  writeFileSync(join(dir, "main.py"), "print('hi')\n");
  writeFileSync(join(dir, "pkg", "util.py"), "X = 1\n");
  writeFileSync(join(dir, ".git", "HEAD"), "ref\n");
  const first = await ray.uploadWorkingDir(dir);
  t.true(first.uploaded);
  t.regex(first.uri, /^gcs:\/\/_ray_pkg_[0-9a-f]{16}\.zip$/);
  const stored = dashboard.packages.get(first.uri);
  t.truthy(stored);
  const files = unzipSync(new Uint8Array(stored as Buffer));
  t.deepEqual(Object.keys(files).sort(), ["main.py", "pkg/util.py"]);
  const second = await ray.uploadWorkingDir(dir);
  t.false(second.uploaded);
  t.is(second.uri, first.uri);
  t.is(dashboard.requests.filter((r) => r.method === "PUT").length, 1);
  writeFileSync(join(dir, "main.py"), "print('changed')\n");
  t.not((await ray.uploadWorkingDir(dir)).uri, first.uri);
  await t.throwsAsync(ray.uploadWorkingDir(join(dir, "main.py")), { instanceOf: ConfigError });
  await t.throwsAsync(ray.uploadWorkingDir(join(dir, "absent")), { instanceOf: ConfigError });
  await ray.submitJob({ entrypoint: "python main.py", runtimeEnv: { working_dir: first.uri } });
});
