// The trainer loop SIGKILLed mid-run and restarted, with the ingest killed and restarted too:
// every batch id arrives at the ingest, and none is applied twice after deduplication.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { startFakeIngest } from "../fixtures/ingest-fake-server.js";

const WRITER = fileURLToPath(new URL("../fixtures/ray-optimizer-crash-writer.ts", import.meta.url));
const COUNT = 60;

function startWriter(
  directory: string,
  url: string,
): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    ["--import=tsx", "--conditions=source", WRITER, directory, url, String(COUNT)],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const lines: string[] = [];
  let buffer = "";
  child.stdout?.on("data", (data: Buffer) => {
    buffer += data.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    lines.push(...parts);
  });
  let stderr = "";
  child.stderr?.on("data", (data: Buffer) => {
    stderr += data.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      if (code !== 0 && code !== null) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  return { child, lines, exited };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > 60_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("SIGKILL mid-run and restart: every batch arrives once", async (t) => {
  const ingest = await startFakeIngest();
  t.teardown(() => ingest.close());
  const directory = join(mkdtempSync(join(tmpdir(), "lanpo-ray-crash-")), "outbox");

  const first = startWriter(directory, ingest.url);
  await until(() => first.lines.length >= 10, "10 submits");
  await ingest.stop(); // the trainer goes away: batches queue in the outbox
  await until(() => first.lines.length >= 25, "25 submits");
  first.child.kill("SIGKILL");
  t.is(await first.exited, null);
  t.true(
    first.lines.some((l) => l.startsWith("queued ")),
    "some batches were queued while the ingest was down",
  );

  await ingest.start();
  const second = startWriter(directory, ingest.url);
  t.is(await second.exited, 0);
  t.is(second.lines.at(-1), "done 0");

  const expected = Array.from({ length: COUNT }, (_, n) => `batch-${String(n).padStart(5, "0")}`);
  t.deepEqual([...ingest.batchApplications.keys()].sort(), expected);
  t.true(
    [...ingest.batchApplications.entries()].every(([, times]) => times === 1),
    "no batch applied twice",
  );
  t.is(ingest.rolloutApplications.size, COUNT * 8);
  t.true(
    [...ingest.rolloutApplications.values()].every((times) => times === 1),
    "no rollout applied twice",
  );
});
