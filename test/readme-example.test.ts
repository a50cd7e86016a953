// The README's code example runs as written: extracted from README.md and run as its own program,
// offline with the scripted policy and against a fake OpenAI-compatible server.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { REPO_ROOT } from "./cli/run-cli.js";
import { startFakeOpenAiServer } from "./fixtures/openai-fake-server.js";

function readmeExample(): string {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Using the trainer from code"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("README.md has no ```ts block under 'Using the trainer from code'");
  return block;
}

async function runExample(env: Record<string, string>) {
  // Inside the repository, so the example's imports resolve as they would in a user's project.
  mkdirSync(join(REPO_ROOT, "runs"), { recursive: true });
  const dir = mkdtempSync(join(REPO_ROOT, "runs", "readme-example-"));
  writeFileSync(join(dir, "example.ts"), readmeExample());
  // Spawned, not spawnSync: the fake model server runs in this process and must keep answering.
  const child = spawn(process.execPath, ["--import=tsx", "--conditions=source", "example.ts"], {
    cwd: dir,
    env: { ...process.env, LANPO_CACHE_DIR: mkdtempSync(join(tmpdir(), "lanpo-readme-cache-")), ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { dir, status, stdout, stderr };
}

test.serial("the README example runs offline as written and writes its run folder", async (t) => {
  const { dir, status, stdout, stderr } = await runExample({ MODEL_URL: "" });
  t.is(status, 0, stderr);
  t.is(stdout.trim().split("\n").length, 3, "one line per step");
  for (const file of ["pool.sqlite", "outbox/outbox.jsonl", "memory"])
    t.true(existsSync(join(dir, "runs/from-code", file)), file);
  const again = await runExample({ MODEL_URL: "" });
  t.is(again.status, 0, again.stderr);
});

test.serial("the README example runs against an OpenAI-compatible server", async (t) => {
  const server = await startFakeOpenAiServer({});
  t.teardown(() => server.close());
  const { status, stderr } = await runExample({ MODEL_URL: server.url, MODEL: "fake-model" });
  t.is(status, 0, stderr);
  t.true(server.chatRequests >= 3 * 4 * 8, "every rollout went to the server");
});
