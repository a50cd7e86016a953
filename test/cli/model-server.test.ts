import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkModelServer, ModelServerError, openAiBaseUrl } from "@lanpo/cli";
import { ConfigError } from "@lanpo/core";
import test from "ava";
import { startFakeOpenAiServer } from "../fixtures/openai-fake-server.js";
import { runCli, runFlags, TINY_DATASET } from "./run-cli.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "lanpo-cli-model-"));

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("openAiBaseUrl adds /v1 when it is missing", (t) => {
  t.is(openAiBaseUrl("http://localhost:8000"), "http://localhost:8000/v1");
  t.is(openAiBaseUrl("http://localhost:8000/v1/"), "http://localhost:8000/v1");
});

test("checkModelServer picks the only model, checks a named one, and names the choices", async (t) => {
  const server = await startFakeOpenAiServer({ models: ["m1"] });
  t.teardown(() => server.close());
  t.is(await checkModelServer({ baseUrl: server.url, apiKey: null, model: null }), "m1");
  t.is(await checkModelServer({ baseUrl: server.url.replace(/\/v1$/, ""), apiKey: null, model: "m1" }), "m1");
  const wrong = await t.throwsAsync(checkModelServer({ baseUrl: server.url, apiKey: null, model: "m2" }), {
    instanceOf: ConfigError,
  });
  t.is(wrong?.field, "model");
  t.regex(wrong?.message ?? "", /"m2" is not served.*m1/);
  const several = await startFakeOpenAiServer({ models: ["a", "b"] });
  t.teardown(() => several.close());
  const missing = await t.throwsAsync(checkModelServer({ baseUrl: several.url, apiKey: null, model: null }), {
    instanceOf: ConfigError,
  });
  t.regex(missing?.message ?? "", /pass --model with one of: a, b/);
});

test("checkModelServer: refused key, not OpenAI-compatible, silent server", async (t) => {
  const unauthorized = await startFakeOpenAiServer({ modelsStatus: 401 });
  t.teardown(() => unauthorized.close());
  const key = await t.throwsAsync(checkModelServer({ baseUrl: unauthorized.url, apiKey: "k", model: null }), {
    instanceOf: ModelServerError,
  });
  t.is(key?.status, 401);
  t.regex(key?.message ?? "", /--api-key.*OPENAI_API_KEY/);

  const html = createServer((_req, res) => res.end("<html>hello</html>"));
  await new Promise<void>((resolve) => html.listen(0, "127.0.0.1", resolve));
  t.teardown(() => html.close());
  const htmlUrl = `http://127.0.0.1:${(html.address() as AddressInfo).port}`;
  const notOpenAi = await t.throwsAsync(checkModelServer({ baseUrl: htmlUrl, apiKey: null, model: null }), {
    instanceOf: ModelServerError,
  });
  t.regex(notOpenAi?.message ?? "", /did not return an OpenAI model list/);

  const silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  t.teardown(() => {
    silent.closeAllConnections();
    silent.close();
  });
  const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`;
  const timeout = await t.throwsAsync(
    checkModelServer({ baseUrl: silentUrl, apiKey: null, model: null, timeoutMs: 200 }),
    { instanceOf: ModelServerError },
  );
  t.regex(timeout?.message ?? "", /no answer within 200 ms/);
});

test.serial("lanpo run against an unreachable URL fails fast, names the URL and leaves no run folder", async (t) => {
  const port = await closedPort();
  const out = join(tempDir(), "never");
  const result = await runCli([
    "run",
    ...runFlags({ dataset: TINY_DATASET, out, modelUrl: `http://127.0.0.1:${port}/v1` }),
  ]);
  t.is(result.code, 2);
  t.regex(
    result.stderr,
    new RegExp(
      `ModelServerError: model server http://127\\.0\\.0\\.1:${port}/v1/models: cannot connect \\(ECONNREFUSED\\); start the server`,
    ),
  );
  t.false(result.stderr.includes("    at "));
  t.false(existsSync(out), "a failed check must not leave a run folder that blocks the retry");
});

test.serial("a server answering garbage: the run completes, every rollout verified with reward 0", async (t) => {
  const server = await startFakeOpenAiServer({
    reply: () => ({ kind: "content", content: "}{ lorem ipsum ∅ \u0000 not math" }),
  });
  t.teardown(() => server.close());
  const out = join(tempDir(), "garbage");
  const result = await runCli([
    "run",
    ...runFlags({ dataset: TINY_DATASET, group: 2, steps: 2, batch: 2, out, modelUrl: server.url, retries: 0 }),
  ]);
  t.is(result.code, 0, result.stderr);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  t.like(summary, { rollouts: 8, failedRollouts: 0, meanReward: 0 });
  t.true(server.chatRequests >= 8);
});

test.serial("a server answering empty content: the rollouts are scored 0, count, and the run says why", async (t) => {
  const server = await startFakeOpenAiServer({ reply: () => ({ kind: "content", content: "" }) });
  t.teardown(() => server.close());
  const out = join(tempDir(), "empty");
  const result = await runCli([
    "run",
    ...runFlags({ dataset: TINY_DATASET, group: 2, steps: 1, batch: 2, out, modelUrl: server.url, retries: 1 }),
  ]);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stderr, /every one of the 4 replies was empty/);
  t.is(server.chatRequests, 4, "an empty reply is the policy's answer: not retried");
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  t.like(summary, { rollouts: 4, failedRollouts: 0, badReplies: 4, meanReward: 0 });
});

for (const [name, reply] of [
  ["a body that is not JSON", { kind: "not-json" }],
  ["HTTP 500", { kind: "status", status: 500 }],
] as const) {
  test.serial(
    `a server answering ${name}: the run waits out a bounded outage, then stops saying why (exit 2)`,
    async (t) => {
      const server = await startFakeOpenAiServer({ reply: () => reply });
      t.teardown(() => server.close());
      const out = join(tempDir(), "failing");
      const result = await runCli([
        "run",
        ...runFlags({
          dataset: TINY_DATASET,
          group: 2,
          steps: 1,
          batch: 2,
          out,
          modelUrl: server.url,
          retries: 1,
          maxOutageMs: 300,
        }),
      ]);
      t.is(result.code, 2, result.stderr);
      t.regex(result.stderr, /every one of the 4 model calls of step 0 failed, after waiting up to 0\.3 s/);
      t.regex(result.stderr, /--resume/);
      t.false(result.stderr.includes("    at "));
      // The summary and report are still written: they say nothing was verified.
      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
      t.like(summary, { rollouts: 0, meanReward: null });
      t.true(existsSync(join(out, "report.html")));
    },
  );
}

test.serial("a model the server does not serve is refused before the run starts", async (t) => {
  const server = await startFakeOpenAiServer({ models: ["served"] });
  t.teardown(() => server.close());
  const out = join(tempDir(), "wrong-model");
  const result = await runCli([
    "run",
    ...runFlags({ dataset: TINY_DATASET, out, modelUrl: server.url, model: "other" }),
  ]);
  t.is(result.code, 2);
  t.regex(result.stderr, /config field "model": "other" is not served .* served/);
  t.is(server.chatRequests, 0);
});
