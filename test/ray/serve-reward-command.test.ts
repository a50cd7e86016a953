// `lanpo serve-reward` in-process: the bundled-data or file lookup, @lanpo/verify's scoring, the
// pool in --out, and a clean stop.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { SqliteExperiencePool } from "@lanpo/core";
import test from "ava";
import { serveRewardCommand } from "../../packages/cli/src/commands/serve-reward.js";
import { currentRequest, EMPTY_REQUEST, olderRequest, postReward } from "../fixtures/openrlhf-requests.js";

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

async function serve(args: string[]) {
  const stdout = sink();
  const stderr = sink();
  let stop: () => void = () => {};
  const stopSignal = new Promise<void>((resolve) => {
    stop = resolve;
  });
  let listening: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => {
    listening = resolve;
  });
  const command = serveRewardCommand({
    stdout: stdout.stream,
    stderr: stderr.stream,
    stopSignal,
    onListening: (_server, u) => listening(u),
  });
  command.exitOverride();
  const done = command.parseAsync(["--port", "0", "--host", "127.0.0.1", ...args], { from: "user" });
  const first = await Promise.race([url, done.then(() => undefined)]);
  const finish = async () => {
    stop();
    await done;
  };
  return { url: first as string, stop: finish, stdout, stderr, done };
}

test("scores a data set's questions with @lanpo/verify, current and older shapes, and records the pool", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "lanpo-serve-reward-"));
  const data = join(dir, "train.jsonl");
  writeFileSync(
    data,
    `${JSON.stringify({ question: "What is one half plus one quarter?", answer: "\\frac{3}{4}" })}\n${JSON.stringify({ question: "How many legs do 3 spiders have?", answer: "24" })}\n`,
  );
  const out = join(dir, "out");
  const server = await serve(["--dataset", data, "--out", out, "--group-size", "2"]);
  const equivalent = await postReward(
    server.url,
    currentRequest("What is one half plus one quarter?", "So the sum is $\\boxed{0.75}$.", "\\frac{3}{4}"),
  );
  t.deepEqual(equivalent.body.rewards, [1]);
  const older = await postReward(
    server.url,
    olderRequest("How many legs do 3 spiders have?", "Each has 8, so \\boxed{24}."),
  );
  t.deepEqual(older.body.rewards, [1]);
  const wrong = await postReward(server.url, olderRequest("How many legs do 3 spiders have?", "The answer is 18."));
  t.deepEqual(wrong.body.rewards, [0]);
  t.deepEqual((await postReward(server.url, EMPTY_REQUEST)).body.rewards, []);
  await server.stop();
  t.regex(server.stdout.text(), /listening on http:\/\/127\.0\.0\.1:\d+\/get_reward \(2 problems of train\)/);
  t.regex(server.stdout.text(), /stopped after 3 rewards; 2 groups recorded/);
  const pool = SqliteExperiencePool.open(join(out, "pool.sqlite"));
  t.teardown(() => pool.close());
  t.is((await pool.stats()).rollouts, 3);
  const spiders = await pool.rolloutsOfGroup("train:1", 0);
  t.deepEqual(
    spiders.map((r) => r.reward),
    [1, 0],
  );
  t.true(spiders[0]!.advantage! > 0 && spiders[1]!.advantage! < 0);
});

test("a bundled data set by name; bad flags are ConfigErrors", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "lanpo-serve-reward-"));
  const server = await serve(["--dataset", "gsm8k", "--out", join(dir, "out")]);
  t.regex(server.stdout.text(), /problems of gsm8k/);
  await server.stop();
  await t.throwsAsync(
    serve(["--dataset", "nope-set", "--out", join(dir, "x")]).then((s) => s.done),
    {
      message: /unknown dataset/,
    },
  );
  await t.throwsAsync(
    serve(["--group-size", "0", "--out", join(dir, "y")]).then((s) => s.done),
    {
      message: /group-size/,
    },
  );
});
