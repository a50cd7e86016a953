// openRayOptimizer launching the trainer job through the Jobs API (fake dashboard): submit with the
// uploaded working dir, status and log events, stop on close, re-attach after a restart.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@lanpo/core";
import { openRayOptimizer, type RayOptimizerEvent } from "@lanpo/ray";
import test from "ava";
import { startFakeIngest } from "../fixtures/ingest-fake-server.js";
import { startFakeRayDashboard } from "../fixtures/ray-dashboard-fake-server.js";

async function until(condition: () => boolean, what: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function setup() {
  const ingest = await startFakeIngest();
  const dashboard = await startFakeRayDashboard({
    onSubmit: (job, server) =>
      setTimeout(() => {
        server.setStatus(job.submission_id, "RUNNING");
        server.appendLog(job.submission_id, "ingest listening on :8000\n");
      }, 10),
  });
  const root = mkdtempSync(join(tmpdir(), "lanpo-ray-launch-"));
  const workingDir = join(root, "trainer");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(workingDir);
  writeFileSync(join(workingDir, "main.py"), "print('train')\n");
  return { ingest, dashboard, directory: join(root, "outbox"), workingDir };
}

test("launch submits the entrypoint with the uploaded working dir, streams status and logs, stops on close", async (t) => {
  const { ingest, dashboard, directory, workingDir } = await setup();
  t.teardown(() => Promise.all([ingest.close(), dashboard.close()]));
  const events: RayOptimizerEvent[] = [];
  const optimizer = await openRayOptimizer({
    directory,
    ingestUrl: ingest.url,
    rayAddress: dashboard.address,
    launch: { entrypoint: "python main.py --ingest-port 8000", entrypointNumCpus: 1, metadata: { lanpo: "run" } },
    workingDir,
    jobPollMs: 10,
    onEvent: (e) => events.push(e),
  });
  const job = optimizer.trainerJob;
  t.truthy(job);
  const submitted = dashboard.jobs.get(job!.submissionId);
  t.is(submitted?.entrypoint, "python main.py --ingest-port 8000");
  t.regex(String(submitted?.runtime_env.working_dir), /^gcs:\/\/_ray_pkg_[0-9a-f]{16}\.zip$/);
  t.deepEqual(submitted?.metadata, { lanpo: "run" });
  t.is(submitted?.body.entrypoint_num_cpus, 1);
  await until(() => events.some((e) => e.type === "trainer-log"), "a log event");
  dashboard.appendLog(job!.submissionId, "step 1 done\n");
  await until(() => events.filter((e) => e.type === "trainer-log").length >= 2, "the second log chunk");
  // The status comes from polling, the log from the tail: either may arrive first.
  await until(() => events.some((e) => e.type === "trainer-status" && e.status === "RUNNING"), "the RUNNING status");
  await optimizer.close();
  t.is(dashboard.jobs.get(job!.submissionId)?.status, "STOPPED");
  t.like(events.at(-1), { type: "trainer-stopped", status: "STOPPED" });
  const logs = events.flatMap((e) => (e.type === "trainer-log" ? [e.text] : [])).join("");
  t.is(logs, "ingest listening on :8000\nstep 1 done\n");
});

test("a dropped log stream reconnects without repeating what was already streamed", async (t) => {
  const { ingest, dashboard, directory } = await setup();
  t.teardown(() => Promise.all([ingest.close(), dashboard.close()]));
  const events: RayOptimizerEvent[] = [];
  const optimizer = await openRayOptimizer({
    directory,
    ingestUrl: ingest.url,
    rayAddress: dashboard.address,
    launch: "python main.py",
    jobPollMs: 10,
    onEvent: (e) => events.push(e),
  });
  t.teardown(() => optimizer.close());
  const id = optimizer.trainerJob!.submissionId;
  await until(() => events.some((e) => e.type === "trainer-log"), "a log event");
  dashboard.dropTails();
  dashboard.appendLog(id, "after the drop\n");
  await until(() => events.filter((e) => e.type === "trainer-log").length >= 2, "the log after the drop");
  const logs = events.flatMap((e) => (e.type === "trainer-log" ? [e.text] : [])).join("");
  t.is(logs, "ingest listening on :8000\nafter the drop\n");
});

test("reopening attaches to the job still running; a finished job is replaced by a new attempt", async (t) => {
  const { ingest, dashboard, directory } = await setup();
  t.teardown(() => Promise.all([ingest.close(), dashboard.close()]));
  const options = {
    directory,
    ingestUrl: ingest.url,
    rayAddress: dashboard.address,
    launch: "python main.py",
    jobPollMs: 10,
    stopJobOnClose: false,
  };
  const first = await openRayOptimizer(options);
  const id = first.trainerJob!.submissionId;
  await first.close();
  t.is(dashboard.jobs.size, 1);
  const second = await openRayOptimizer(options);
  t.is(second.trainerJob?.submissionId, id);
  t.true(second.trainerJob?.alreadySubmitted);
  await second.close();
  await until(() => dashboard.jobs.get(id)?.status === "RUNNING", "the job to run");
  dashboard.setStatus(id, "FAILED");
  const third = await openRayOptimizer(options);
  t.teardown(() => third.close());
  t.not(third.trainerJob?.submissionId, id);
  t.false(third.trainerJob?.alreadySubmitted);
  t.is(dashboard.jobs.size, 2);
});

test("launching without a Ray address is a ConfigError saying which flag to pass", async (t) => {
  const ingest = await startFakeIngest();
  t.teardown(() => ingest.close());
  await t.throwsAsync(
    openRayOptimizer({
      directory: mkdtempSync(join(tmpdir(), "lanpo-ray-")),
      ingestUrl: ingest.url,
      launch: "python x.py",
    }),
    { instanceOf: ConfigError, message: /--ray-address/ },
  );
  await t.throwsAsync(openRayOptimizer({ directory: mkdtempSync(join(tmpdir(), "lanpo-ray-")), ingestUrl: "nope" }), {
    instanceOf: ConfigError,
    message: /ingestUrl/,
  });
});
