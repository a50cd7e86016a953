import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteExperiencePool } from "@lanpo/core";
import test from "ava";
import { startFakeOpenAiServer } from "../fixtures/openai-fake-server.js";
import { runCli, runFlags, startCli, TINY_DATASET } from "./run-cli.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "lanpo-cli-run-"));
const readJsonl = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test.serial("lanpo run with the scripted policy writes the whole run folder", async (t) => {
  const out = join(tempDir(), "run");
  const result = await runCli(["run", ...runFlags({ dataset: TINY_DATASET, group: 4, steps: 3, batch: 2, out })]);
  t.is(result.code, 0, result.stderr);
  for (const name of [
    "config.json",
    "pool.sqlite",
    "outbox",
    "memory",
    "events.jsonl",
    "summary.json",
    "report.html",
  ]) {
    t.true(existsSync(join(out, name)), name);
  }
  // The scripted policy's notice reaches the user.
  t.regex(result.stderr, /ScriptedPolicy.*wiring, not for results/);
  t.regex(result.stdout, /\| rollouts\s+\|\s+24 \(0 failed\) \|/);

  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  t.like(summary, { steps: 3, rollouts: 24, leakageBlocks: 0 });
  t.deepEqual(Object.keys(summary.byFeedback).sort(), ["abstraction", "both", "reflection", "scratch"]);
  t.true(typeof summary.meanReward === "number" && summary.meanReward >= 0 && summary.meanReward <= 1);
  t.true(Number.isInteger(summary.lessons));

  const events = readJsonl(join(out, "events.jsonl"));
  t.is(events.filter((e) => e.event === "rollout-end").length, 24);
  t.is(events.filter((e) => e.event === "group-end").length, 6);
  t.is(events.filter((e) => e.event === "step-end").length, 3);
  t.is(events[0]?.event, "run-start");

  const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
  t.like(config, { dataset: TINY_DATASET, group: 4, steps: 3, batch: 2, formatVersion: 1 });
  t.false("apiKey" in config);
  // One inline SVG a plot: reward, zero variance, retrieval, lessons, leakage, feedback tokens, latency.
  t.true((readFileSync(join(out, "report.html"), "utf8").match(/<svg[\s>]/g)?.length ?? 0) >= 7);

  // The same --out again is refused: mixing two runs in one pool would skip groups.
  const again = await runCli(["run", "--dataset", TINY_DATASET, "--out", out]);
  t.is(again.code, 2);
  t.regex(again.stderr, /already holds a run; continue it with --resume/);

  // --overwrite replaces it; a folder that is not a run is never deleted.
  const replaced = await runCli([
    "run",
    ...runFlags({ dataset: TINY_DATASET, group: 2, steps: 1, batch: 1, out, overwrite: true, embeddings: "lexical" }),
  ]);
  t.is(replaced.code, 0, replaced.stderr);
  t.is(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).rollouts, 2);
  t.is(JSON.parse(readFileSync(join(out, "config.json"), "utf8")).embeddings, "lexical");
  const notARun = tempDir();
  writeFileSync(join(notARun, "precious.txt"), "keep me");
  const refused = await runCli(["run", "--dataset", TINY_DATASET, "--out", notARun, "--overwrite"]);
  t.is(refused.code, 2);
  t.true(existsSync(join(notARun, "precious.txt")));
});

test.serial("--resume after SIGKILL mid-run redoes no group and the pool holds each group once", async (t) => {
  const server = await startFakeOpenAiServer({ delayMs: 25 });
  t.teardown(() => server.close());
  const out = join(tempDir(), "killed");
  const args = [
    "run",
    "--dataset",
    TINY_DATASET,
    "--group",
    "4",
    "--steps",
    "4",
    "--batch",
    "2",
    "--concurrency",
    "2",
    "--retries",
    "0",
    "--out",
    out,
    "--model-url",
    server.url,
  ];
  const first = startCli(args);
  // Kill as soon as at least one group is durable, well before the run can end.
  const eventsFile = join(out, "events.jsonl");
  const deadline = Date.now() + 60_000;
  while (!(existsSync(eventsFile) && readFileSync(eventsFile, "utf8").includes('"group-end"'))) {
    if (Date.now() > deadline) throw new Error("the run never finished a group");
    await new Promise((r) => setTimeout(r, 10));
  }
  first.kill("SIGKILL");
  const killed = await first.done;
  t.is(killed.signal, "SIGKILL");
  t.false(existsSync(join(out, "summary.json")), "the first run must have died before finishing");

  const resumed = await runCli(["run", "--resume", out]);
  t.is(resumed.code, 0, resumed.stderr);

  const events = readJsonl(eventsFile);
  const secondStart = events.findIndex((e, i) => i > 0 && e.event === "run-start");
  t.true(secondStart > 0);
  const key = (e: Record<string, unknown>) => `${e.step}/${e.problemId}`;
  const before = new Set(
    events
      .slice(0, secondStart)
      .filter((e) => e.event === "group-end")
      .map(key),
  );
  const after = events
    .slice(secondStart)
    .filter((e) => e.event === "group-end")
    .map(key);
  t.true(before.size >= 1);
  t.deepEqual(
    after.filter((k) => before.has(k)),
    [],
    "a group verified before the kill was redone",
  );
  t.is(before.size + after.length, 8);

  const pool = SqliteExperiencePool.open(join(out, "pool.sqlite"));
  try {
    const groups = new Map<string, number[]>();
    for (let step = 0; step < 4; step++) {
      for (const r of await pool.rolloutsOfStep(step))
        groups.set(`${step}/${r.problemId}`, [...(groups.get(`${step}/${r.problemId}`) ?? []), r.index]);
    }
    t.is(groups.size, 8);
    for (const [group, indexes] of groups) t.deepEqual([...indexes].sort(), [0, 1, 2, 3], group);
  } finally {
    await pool.close();
  }
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  t.is(summary.rollouts, 32);

  // Every step's batch reached the local trainer inbox, and the outbox holds each batch once.
  const outboxIds = readJsonl(join(out, "outbox", "outbox.jsonl")).map(
    (line) => (line as unknown as { batch: { batchId: string } }).batch.batchId,
  );
  t.is(outboxIds.length, 4);
  t.is(new Set(outboxIds).size, 4);
  const delivered = new Set(readJsonl(join(out, "outbox", "trainer-inbox.jsonl")).map((b) => b.batchId));
  t.deepEqual([...delivered].sort(), [...outboxIds].sort());
});

test.serial("--resume of a folder that is not a run is a clear error", async (t) => {
  const result = await runCli(["run", "--resume", tempDir()]);
  t.is(result.code, 2);
  t.regex(result.stderr, /ConfigError: config field "resume": .*no config\.json/);
  t.false(result.stderr.includes("    at "), "no stack trace for a typed error");
});

test.serial("a bad flag exits 2 with one line naming it, no stack", async (t) => {
  const result = await runCli(["run", "--dataset", "gsm8k", "--steps", "zero"]);
  t.is(result.code, 2);
  t.regex(result.stderr, /--steps.*"zero"/);
  t.false(result.stderr.includes("    at "));
  const unknown = await runCli(["run", "--dataset", "gsm9k", "--out", join(tempDir(), "x")]);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /DatasetError: gsm9k: unknown dataset/);
});
