// The edges of `lanpo run` a user hits: a file where a folder belongs, an unwritable cache, Ctrl-C,
// a resumed run whose server moved, a data set with twins, and the installed `lanpo` link.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { startFakeOpenAiServer } from "../fixtures/openai-fake-server.js";
import { REPO_ROOT, runCli, runFlags, startCli, TINY_DATASET } from "./run-cli.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "lanpo-cli-edges-"));

test("--out naming a file, and --resume naming a file, are clear errors", async (t) => {
  const file = join(tempDir(), "notes.txt");
  writeFileSync(file, "not a run");
  const out = await runCli(["run", ...runFlags({ dataset: TINY_DATASET, out: file, embeddings: "lexical" })]);
  t.is(out.code, 2);
  t.regex(out.stderr, /config field "out": .*notes\.txt is a file, not a folder; pass --out a folder path/);
  const resume = await runCli(["run", "--resume", file]);
  t.is(resume.code, 2);
  t.regex(resume.stderr, /config field "resume": .*is a file, not a run folder/);
  t.is(readFileSync(file, "utf8"), "not a run", "the file was not touched");
});

test("an unwritable embedding cache is refused before the run starts, from --cache-dir or LANPO_CACHE_DIR", async (t) => {
  const blocker = join(tempDir(), "a-file");
  writeFileSync(blocker, "");
  const out = join(tempDir(), "run");
  const flag = await runCli(["run", ...runFlags({ dataset: TINY_DATASET, out, cacheDir: join(blocker, "cache") })]);
  t.is(flag.code, 2);
  t.regex(
    flag.stderr,
    /config field "cacheDir": the embedding cache .*a-file\/cache .*pass --cache-dir .* or set LANPO_CACHE_DIR/,
  );
  t.false(existsSync(join(out, "pool.sqlite")), "nothing was started");
  const env = await runCli(["run", ...runFlags({ dataset: TINY_DATASET, out })], {
    LANPO_CACHE_DIR: join(blocker, "cache"),
  });
  t.is(env.code, 2);
  t.regex(env.stderr, /config field "cacheDir"/);
});

test.serial("Ctrl-C finishes the step in progress, writes the summary and says how to resume", async (t) => {
  const server = await startFakeOpenAiServer({ delayMs: 40 });
  t.teardown(() => server.close());
  const out = join(tempDir(), "interrupted");
  const cli = startCli([
    "run",
    ...runFlags({
      dataset: TINY_DATASET,
      group: 2,
      steps: 50,
      batch: 2,
      out,
      modelUrl: server.url,
      embeddings: "lexical",
    }),
  ]);
  const events = join(out, "events.jsonl");
  const deadline = Date.now() + 60_000;
  while (!(existsSync(events) && readFileSync(events, "utf8").includes('"step-start"'))) {
    if (Date.now() > deadline) throw new Error("the run never started a step");
    await new Promise((r) => setTimeout(r, 10));
  }
  cli.kill("SIGINT");
  const result = await cli.done;
  t.is(result.code, 130, result.stderr);
  t.regex(result.stderr, /stopping after the step in progress/);
  t.regex(result.stderr, new RegExp(`interrupted: .*lanpo run --resume ${out.replace(/[/\\]/g, ".")}`));
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  t.true(summary.rollouts >= 4 && summary.rollouts < 200, `the step in progress was finished: ${summary.rollouts}`);
  t.true(existsSync(join(out, "report.html")));
  const resumed = await runCli(["run", "--resume", out, "--steps", "2"]);
  t.is(resumed.code, 0, resumed.stderr);
});

test.serial("--resume DIR --model-url URL points a resumed run at a server that moved", async (t) => {
  const first = await startFakeOpenAiServer({});
  const out = join(tempDir(), "moved");
  const started = await runCli([
    "run",
    ...runFlags({
      dataset: TINY_DATASET,
      group: 2,
      steps: 1,
      batch: 2,
      out,
      modelUrl: first.url,
      embeddings: "lexical",
    }),
  ]);
  t.is(started.code, 0, started.stderr);
  await first.close();
  const second = await startFakeOpenAiServer({});
  t.teardown(() => second.close());
  const resumed = await runCli(["run", "--resume", out, "--steps", "2", "--model-url", second.url]);
  t.is(resumed.code, 0, resumed.stderr);
  t.true(second.chatRequests > 0, "the resumed run called the new server");
  t.is(JSON.parse(readFileSync(join(out, "config.json"), "utf8")).modelUrl, second.url);
  const refused = await runCli(["run", "--resume", out, "--group", "3"]);
  t.is(refused.code, 2, "settings that change what the run computes still may not change");
  t.regex(refused.stderr, /only .*--model-url.* may change/);
});

test("a data set's twins (one question under several ids) are counted and reported when it is loaded", async (t) => {
  const dataset = join(tempDir(), "twins.jsonl");
  writeFileSync(
    dataset,
    [
      { id: "a", question: "What is 3 + 4?", answer: "7" },
      { id: "b", question: "what is 3+4", answer: "7" },
      { id: "c", question: "What is 3 + 5?", answer: "8" },
    ]
      .map((r) => JSON.stringify(r))
      .join("\n"),
  );
  const out = join(tempDir(), "twins");
  const result = await runCli([
    "run",
    ...runFlags({ dataset, group: 2, steps: 1, batch: 3, out, embeddings: "lexical" }),
  ]);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stderr, /note: 1 question of twins appear under more than one id \(2 problems, e\.g\. a and b\)/);
});

test("npm links node_modules/.bin/lanpo to a committed launcher, so npx never goes to the registry", (t) => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "packages/cli/package.json"), "utf8"));
  const target = join(REPO_ROOT, "packages/cli", manifest.bin.lanpo);
  t.true(existsSync(target), "the bin target is in the repository, not in dist/");
  t.notThrows(() => accessSync(target, constants.X_OK), "and executable");
  const link = join(REPO_ROOT, "node_modules/.bin/lanpo");
  t.true(existsSync(link), "npm ci linked it");
  t.is(realpathSync(link), realpathSync(target));
  const help = spawnSync(link, ["--help"], { encoding: "utf8" });
  if (existsSync(join(REPO_ROOT, "packages/cli/dist/bin.js"))) {
    t.is(help.status, 0, help.stderr);
    t.regex(help.stdout, /Usage: lanpo/);
  } else {
    t.is(help.status, 1);
    t.regex(help.stderr, /run `npm run build`/);
  }
});
