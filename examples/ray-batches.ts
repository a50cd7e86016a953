// Sending training batches to a Ray cluster: `openRayOptimizer` from @lanpo/ray launches the trainer job
// through the Ray Jobs REST API and delivers every step's verified batch to the trainer's HTTP ingest
// through a durable outbox, retrying until each batch is acknowledged.
//
// Needs: nothing. This file starts its OWN loopback stand-ins on 127.0.0.1 (free ports): a trainer ingest
// that checks every batch against @lanpo/ray's JSON Schema (packages/ray/schema/ingest-batch.schema.json)
// and answers as the protocol says, refusing the first two deliveries with 503 to show the outbox retrying;
// and a minimal Ray Jobs dashboard (version, submit, status, stop). Neither trains anything. The policy is
// the scripted offline stand-in (wiring, not results). On a real cluster pass its addresses instead:
// `ingestUrl: "http://HEAD:8000/lanpo"`, `rayAddress: "http://HEAD:8265"` (see packages/ray/README.md).
// Writes: runs/examples/ray-batches/ (pool.sqlite, outbox/, memory/, report.html). runs/ is gitignored.
// Run:   npx tsx examples/ray-batches.ts   (imports the built packages: `npm run build` once first)
//        npx tsx --conditions=source examples/ray-batches.ts   (straight from the sources, no build)
//        or cell by cell in an editor that understands `// %%` (VS Code, Jupyter's percent format)

// %% The stand-ins: a trainer ingest and a Ray dashboard, on loopback
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadDataset, renderReport, stepMetricsFromReports, summarizeRun } from "@lanpo/cli";
import {
  HashedLexicalEmbeddings,
  LanpoTrainer,
  ScriptedPolicy,
  SqliteExperiencePool,
  type StepReport,
} from "@lanpo/core";
import { HnswLessonMemory } from "@lanpo/memory";
import { ingestValidator, openRayOptimizer, type RayOptimizerEvent } from "@lanpo/ray";
import { createMathReward } from "@lanpo/verify";

const out = fileURLToPath(new URL("../runs/examples/ray-batches/", import.meta.url));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

type Handler = (req: IncomingMessage, body: string) => { status: number; body: unknown; headers?: object };
async function serve(handler: Handler): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    req.on("end", () => {
      const reply = handler(req, body);
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// The ingest: POST /v1/batches (a Batch, answered by a BatchReply), GET /v1/status. Idempotent by batch id.
const checkBatch = ingestValidator("Batch");
const applied = new Map<string, number>();
const deliveries: Record<string, string | number | boolean>[] = [];
let refuseNext = 2;
let samplesApplied = 0;
const version = () => `v${applied.size}`;
const ingest = await serve((req, raw) => {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  if (req.method === "GET" && path === "/v1/status") {
    return {
      status: 200,
      body: { policyVersion: version(), batchesApplied: applied.size, samplesApplied, queuedSamples: 0 },
    };
  }
  if (req.method !== "POST" || path !== "/v1/batches")
    return { status: 404, body: { error: { code: "not_found", message: `no route ${req.method} ${path}` } } };
  const parsed = checkBatch.safeParse(JSON.parse(raw));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = `$.${issue?.path.join(".") ?? ""}`;
    return {
      status: 400,
      body: { error: { code: "schema_invalid", message: issue?.message ?? "invalid", path: where } },
    };
  }
  const batch = parsed.data as { batchId: string; step: number; samples: { groupId: string }[] };
  const row = {
    delivery: deliveries.length + 1,
    batch: `${batch.batchId.slice(0, 8)}...${batch.batchId.slice(-6)}`,
    step: batch.step,
    samples: batch.samples.length,
    groups: new Set(batch.samples.map((s) => s.groupId)).size,
  };
  if (refuseNext > 0) {
    refuseNext--;
    deliveries.push({ ...row, http: 503, accepted: 0, duplicate: false, "policy after": version() });
    return {
      status: 503,
      headers: { "retry-after": "0" },
      body: { error: { code: "internal", message: "stand-in: warming up, retry" } },
    };
  }
  const duplicate = applied.has(batch.batchId);
  if (!duplicate) {
    applied.set(batch.batchId, batch.samples.length);
    samplesApplied += batch.samples.length;
  }
  const accepted = duplicate ? 0 : batch.samples.length;
  deliveries.push({ ...row, http: 200, accepted, duplicate, "policy after": version() });
  return { status: 200, body: { accepted, duplicate, policyVersion: version() } };
});

// The dashboard: just what launching and stopping a job uses (Ray Jobs API version 5).
const jobs = new Map<string, { status: string; entrypoint: string }>();
const jobDetails = (id: string) => {
  const job = jobs.get(id);
  return job && { type: "SUBMISSION", submission_id: id, job_id: null, status: job.status, entrypoint: job.entrypoint };
};
const dashboard = await serve((req, raw) => {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  if (req.method === "GET" && path === "/api/version")
    return { status: 200, body: { version: "5", ray_version: "2.49.0", ray_commit: "stand-in", session_name: "s" } };
  if (req.method === "POST" && path === "/api/jobs/") {
    const request = JSON.parse(raw) as { entrypoint: string; submission_id?: string };
    const id = request.submission_id ?? `raysubmit_${jobs.size + 1}`;
    jobs.set(id, { status: "RUNNING", entrypoint: request.entrypoint });
    return { status: 200, body: { job_id: id, submission_id: id } };
  }
  const stop = /^\/api\/jobs\/([^/]+)\/stop$/.exec(path);
  if (req.method === "POST" && stop?.[1] && jobs.has(stop[1])) {
    const job = jobs.get(stop[1]);
    if (job) job.status = "STOPPED";
    return { status: 200, body: { stopped: true } };
  }
  const get = /^\/api\/jobs\/([^/]+)$/.exec(path);
  const details = get?.[1] ? jobDetails(decodeURIComponent(get[1])) : undefined;
  if (req.method === "GET" && details) return { status: 200, body: details };
  return { status: 404, body: `Job ${path} does not exist` };
});
console.log(`stand-in ingest ${ingest.url}, stand-in Ray dashboard ${dashboard.url}`);

// %% The optimizer: launch the trainer job, then deliver batches through the outbox in outbox/
const events: RayOptimizerEvent[] = [];
const optimizer = await openRayOptimizer({
  directory: join(out, "outbox"),
  ingestUrl: ingest.url,
  rayAddress: dashboard.url,
  launch: "python -m lanpo_trainer serve --backend tiny",
  followLogs: false,
  jobPollMs: 200,
  backoff: { initialDelayMs: 50, maxDelayMs: 200 },
  onEvent: (event) => {
    events.push(event);
    if (event.type === "trainer-submitted" || event.type === "trainer-status" || event.type === "trainer-stopped")
      console.log(`trainer job: ${event.type} ${"status" in event ? event.status : ""} ${event.submissionId}`);
  },
});

// %% A short LANPO run whose batches go to the cluster
const { problems } = loadDataset({ dataset: "gsm8k", limit: 12 });
const trainer = new LanpoTrainer({
  policy: new ScriptedPolicy({ problems, successRate: 0.4, seed: 1 }),
  reward: createMathReward(),
  pool: SqliteExperiencePool.open(join(out, "pool.sqlite")),
  memory: await HnswLessonMemory.open({ dir: join(out, "memory"), embeddings: new HashedLexicalEmbeddings() }),
  optimizer,
  groupSize: 8,
  seed: 1,
});
const reports: StepReport[] = [];
for await (const report of trainer.run(problems, { steps: 5, batchSize: 6 })) reports.push(report);
const { pending } = await optimizer.flushUntilAcknowledged({ timeoutMs: 30_000 });
const finalVersion = await optimizer.policyVersion();
await optimizer.close(); // stops the job it launched
await trainer.pool.close();
await Promise.all([ingest.close(), dashboard.close()]);

// %% What the ingest saw: every delivery, the refused ones resent until acknowledged
console.log("deliveries at the ingest:");
console.table(deliveries);
const refused = deliveries.filter((d) => d.http !== 200).length;
console.log(
  `${applied.size} of ${reports.length} step batches acknowledged (each applied once), ${pending} left in the outbox; ${refused} deliveries refused and resent; policy version now ${finalVersion}; trainer job ${[...jobs.values()].map((j) => j.status).join(", ")}`,
);

// %% The run's report (the policy-version plot shows the version each step was generated with)
const steps = stepMetricsFromReports(reports);
const html = await renderReport({
  title: "ray-batches (scripted policy, loopback stand-ins)",
  generatedAt: new Date().toISOString(),
  summary: summarizeRun({
    steps: reports.length,
    rollouts: reports.flatMap((r) => r.rollouts),
    stepMetrics: steps,
    lessons: (await trainer.memory.stats()).lessons,
    finalPolicyVersion: finalVersion,
  }),
  steps,
  config: { dataset: "gsm8k", limit: 12, groupSize: 8, steps: 5, batchSize: 6, optimizer: "ray" },
  latencies: reports.flatMap((r) => r.rollouts.map((x) => ({ feedback: x.feedback, latencyMs: x.latencyMs }))),
});
writeFileSync(join(out, "report.html"), html);
console.log(`report: ${join(out, "report.html")}`);
