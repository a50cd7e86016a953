// IngestSink against the fake ingest (which validates with the protocol's JSON Schema file).

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeliveryError, isRetryableDeliveryError, OutboxOptimizer, type TrainingSample } from "@lanpo/core";
import { IngestError, IngestSink, ingestJsonSchema, ingestValidator } from "@lanpo/ray";
import test from "ava";
import { ingestBatch } from "../fixtures/ingest-batches.js";
import { startFakeIngest } from "../fixtures/ingest-fake-server.js";

test("deliver posts the batch and resolves the receipt; a resend is a duplicate, applied once", async (t) => {
  const ingest = await startFakeIngest({ samplesPerUpdate: 8, servedModelPrefix: "lanpo-lora" });
  t.teardown(() => ingest.close());
  const sink = new IngestSink({ url: ingest.url });
  t.is(await sink.policyVersion(), "v0");
  const batch = ingestBatch("b1", 0);
  t.deepEqual(await sink.deliver(batch), { policyVersion: "v1", servedModel: "lanpo-lora-v1", duplicate: false });
  t.deepEqual(await sink.deliver(batch), { policyVersion: "v1", servedModel: "lanpo-lora-v1", duplicate: true });
  t.is(ingest.batchApplications.get("b1"), 1);
  t.deepEqual(await sink.policyState(), { policyVersion: "v1", servedModel: "lanpo-lora-v1" });
  const status = await sink.status();
  t.is(status.batchesApplied, 1);
  t.is(status.samplesApplied, 8);
});

test("what the sink sends passes the protocol's schema, optional fields included", async (t) => {
  const check = ingestValidator();
  const batch = ingestBatch("b", 3);
  const sample = batch.samples[0] as TrainingSample;
  Object.assign(sample, {
    reflectionId: "refl-1",
    usage: { promptTokens: 10, completionTokens: 4 },
    logprobs: [-0.1, -0.2],
    tokenIds: [1, 2],
    reasoning: "think",
  });
  t.true(check.safeParse(JSON.parse(JSON.stringify(batch))).success);
  t.false(check.safeParse({ ...batch, extra: 1 }).success);
});

test("the schema's Sample has exactly TrainingSample's fields", (t) => {
  const schema = ingestJsonSchema() as { $defs: Record<string, { properties: Record<string, unknown> }> };
  const sample: Required<TrainingSample> = {
    ...ingestBatch("b", 0).samples[0]!,
    reflectionId: "r",
    usage: { promptTokens: 1, completionTokens: 1 },
    logprobs: [],
    tokenIds: [],
    reasoning: "",
  };
  t.deepEqual(Object.keys(schema.$defs.Sample!.properties).sort(), Object.keys(sample).sort());
});

const refusals = [
  {
    name: "a sample missing a field is 400 schema_invalid, naming the path",
    batch: () => {
      const b = ingestBatch("bad", 0);
      delete (b.samples[2] as Partial<TrainingSample>).groupId;
      return b;
    },
    status: 400,
    code: "schema_invalid",
    message: /samples\.2\.groupId/,
  },
  {
    name: "a group missing samples is 422 group_incomplete",
    batch: () => {
      const b = ingestBatch("short", 0);
      b.samples.pop();
      return b;
    },
    status: 422,
    code: "group_incomplete",
    message: /7 of its 8 samples/,
  },
] as const;

for (const refusal of refusals) {
  test(`${refusal.name}, not retryable`, async (t) => {
    const ingest = await startFakeIngest();
    t.teardown(() => ingest.close());
    const sink = new IngestSink({ url: ingest.url });
    const error = await t.throwsAsync(sink.deliver(refusal.batch()), { instanceOf: IngestError });
    t.is(error.status, refusal.status);
    t.is(error.code, refusal.code);
    t.regex(error.message, refusal.message);
    t.false(error.isRetryable);
    t.false(isRetryableDeliveryError(error));
  });
}

test("a batch id reused with other rollout ids is 409 batch_conflict", async (t) => {
  const ingest = await startFakeIngest();
  t.teardown(() => ingest.close());
  const sink = new IngestSink({ url: ingest.url });
  await sink.deliver(ingestBatch("same", 0));
  const other = ingestBatch("same", 0);
  other.samples[0]!.rolloutId = "someone-else";
  const error = await t.throwsAsync(sink.deliver(other), { instanceOf: IngestError });
  t.is(error.status, 409);
  t.is(error.code, "batch_conflict");
  t.false(error.isRetryable);
});

test("a body over the ingest's limit is 413 too_large", async (t) => {
  const ingest = await startFakeIngest({ maxBodyBytes: 2000 });
  t.teardown(() => ingest.close());
  const error = await t.throwsAsync(new IngestSink({ url: ingest.url }).deliver(ingestBatch("big", 0, 16)), {
    instanceOf: IngestError,
  });
  t.is(error.status, 413);
  t.is(error.code, "too_large");
  t.false(error.isRetryable);
});

test("5xx, 429 and dropped connections are retryable; 503's Retry-After delays the next request", async (t) => {
  let clock = 1_000_000;
  const ingest = await startFakeIngest({ retryAfterSeconds: 0.05 });
  t.teardown(() => ingest.close());
  const sink = new IngestSink({ url: ingest.url, now: () => clock });
  for (const how of ["500", "429", "drop"] as const) {
    ingest.failNext(1, how);
    const error = await t.throwsAsync(sink.deliver(ingestBatch(`b-${how}`, 0)), { instanceOf: IngestError });
    t.true(error.isRetryable, how);
    t.is(error.status, how === "drop" ? undefined : Number(how));
  }
  ingest.failNext(1, "503");
  const busy = await t.throwsAsync(sink.deliver(ingestBatch("b-503", 0)), { instanceOf: IngestError });
  t.is(busy.retryAfterMs, 50);
  // The next request waits out the Retry-After: with the clock frozen it would wait the whole 50 ms.
  const sent = sink.deliver(ingestBatch("b-503", 0));
  const early = await Promise.race([sent.then(() => "sent"), new Promise((r) => setTimeout(() => r("waiting"), 20))]);
  t.is(early, "waiting");
  clock += 50;
  t.is((await sent).duplicate, false);
});

test("a slow ingest past timeoutMs is a retryable IngestError", async (t) => {
  const ingest = await startFakeIngest({ delayMs: 300 });
  t.teardown(() => ingest.close());
  const error = await t.throwsAsync(new IngestSink({ url: ingest.url, timeoutMs: 50 }).deliver(ingestBatch("s", 0)), {
    instanceOf: IngestError,
  });
  t.true(error.isRetryable);
  t.regex(error.message, /no answer within 50 ms/);
});

test("a wrong URL is a 404 that says to check it; a 200 that is not the protocol is not retried", async (t) => {
  const ingest = await startFakeIngest();
  t.teardown(() => ingest.close());
  const wrong = await t.throwsAsync(new IngestSink({ url: `${ingest.url}/nope` }).deliver(ingestBatch("w", 0)), {
    instanceOf: IngestError,
  });
  t.is(wrong.status, 404);
  t.false(wrong.isRetryable);
  const other = await (await import("node:http")).createServer((_req, res) => res.end("<html>hi</html>"));
  await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
  t.teardown(() => other.close());
  const port = (other.address() as { port: number }).port;
  const html = await t.throwsAsync(new IngestSink({ url: `http://127.0.0.1:${port}` }).deliver(ingestBatch("h", 0)), {
    instanceOf: IngestError,
  });
  t.false(html.isRetryable);
  t.regex(html.message, /is the URL the LANPO ingest/);
});

test("a token is sent as a bearer token; without it the ingest's 401 is not retryable", async (t) => {
  const ingest = await startFakeIngest({ token: "t0k" });
  t.teardown(() => ingest.close());
  await t.throwsAsync(new IngestSink({ url: ingest.url }).deliver(ingestBatch("a", 0)), {
    instanceOf: IngestError,
    message: /401.*token/,
  });
  t.false((await new IngestSink({ url: ingest.url, token: "t0k" }).deliver(ingestBatch("a", 0))).duplicate);
});

test("with the outbox, a refused batch stays queued and flush reports it for good", async (t) => {
  const ingest = await startFakeIngest();
  t.teardown(() => ingest.close());
  const directory = mkdtempSync(join(tmpdir(), "lanpo-ingest-outbox-"));
  const optimizer = await OutboxOptimizer.open({ directory, sink: new IngestSink({ url: ingest.url }) });
  t.teardown(() => optimizer.close());
  const short = ingestBatch("short", 0);
  short.samples.pop();
  t.is((await optimizer.submit(short)).status, "queued");
  await t.throwsAsync(optimizer.flush(), { instanceOf: DeliveryError, message: /group_incomplete/ });
  t.is(await optimizer.pending(), 1);
});
