// RewardServer with the request shapes of current and older OpenRLHF, empty arrays, missing
// labels, huge and malformed bodies, concurrency, token auth, and pool writes grouped by prompt.
import { InMemoryExperiencePool, type Problem } from "@lanpo/core";
import { ProblemIndex, RewardServer, type RewardServerOptions } from "@lanpo/ray";
import test from "ava";
import { currentRequest, EMPTY_REQUEST, olderRequest, postReward } from "../fixtures/openrlhf-requests.js";

const PROBLEMS: Problem[] = [
  { id: "tiny:0", question: "What is 2 + 3?", answer: "5" },
  { id: "tiny:1", question: "What is 7 times 6?", answer: "42" },
  { id: "tiny:2", question: "What is 7 times 6 plus one?", answer: "43" },
];

/** 1 when the completion's last number is the gold answer. */
const lastNumber = (problem: Problem, completion: string) =>
  (completion.match(/-?\d+/g) ?? []).at(-1) === problem.answer ? 1 : 0;

async function start(options: Partial<RewardServerOptions> = {}) {
  const pool = new InMemoryExperiencePool();
  const server = new RewardServer({
    score: lastNumber,
    problems: new ProblemIndex(PROBLEMS),
    pool,
    groupIdleMs: 20,
    ...options,
  });
  const url = await server.listen({ port: 0, host: "127.0.0.1" });
  return { server, pool, url };
}

test("current OpenRLHF: one sample with prompt and label gets rewards, scores and extra_logs", async (t) => {
  const { server, url } = await start();
  t.teardown(() => server.close());
  const right = await postReward(url, currentRequest("What is 2 + 3?", "2 + 3 = 5. The answer is 5", "5"));
  t.is(right.status, 200);
  t.deepEqual(right.body, { rewards: [1], scores: [1], extra_logs: {} });
  const wrong = await postReward(url, currentRequest("What is 2 + 3?", "The answer is 6", "5"));
  t.deepEqual(wrong.body.rewards, [0]);
});

test("POST / answers like /get_reward", async (t) => {
  const { server, url } = await start();
  t.teardown(() => server.close());
  const root = await postReward(url.replace("/get_reward", "/"), currentRequest("What is 2 + 3?", "5", "5"));
  t.deepEqual(root.body.rewards, [1]);
});

test("empty arrays (every URL but the first) get empty arrays", async (t) => {
  const { server, url } = await start();
  t.teardown(() => server.close());
  const reply = await postReward(url, EMPTY_REQUEST);
  t.is(reply.status, 200);
  t.deepEqual(reply.body, { rewards: [], scores: [], extra_logs: {} });
  t.deepEqual((await postReward(url, { query: [] })).body.rewards, []);
});

test("older OpenRLHF: query only, the gold answer is that of the question the query contains", async (t) => {
  const { server, url } = await start();
  t.teardown(() => server.close());
  // "What is 7 times 6 plus one?" contains "What is 7 times 6": the longest question wins.
  t.deepEqual((await postReward(url, olderRequest("What is 7 times 6 plus one?", "That is 43"))).body.rewards, [1]);
  t.deepEqual((await postReward(url, olderRequest("What is 7 times 6?", "That is 42"))).body.rewards, [1]);
  t.deepEqual((await postReward(url, olderRequest("what is 7  TIMES 6?", "42"))).body.rewards, [1]);
  // The question's own numbers are not taken for the answer: only the response is scored.
  t.deepEqual((await postReward(url, olderRequest("What is 2 + 3?", "I cannot tell"))).body.rewards, [0]);
});

test("a missing label without a matching question is a 400 that says what to pass", async (t) => {
  const { server, url } = await start();
  t.teardown(() => server.close());
  const unknown = await postReward(url, currentRequest("What is the capital of France?", "Paris", null));
  t.is(unknown.status, 400);
  t.regex(String(unknown.body.error), /sample 0 has no label.*--label_key.*--dataset/);
  const older = await postReward(url, olderRequest("Unknown question", "1"));
  t.is(older.status, 400);
  // A label from the trainer needs no data set.
  const bare = new RewardServer({ score: lastNumber });
  const bareUrl = await bare.listen({ port: 0, host: "127.0.0.1" });
  t.teardown(() => bare.close());
  t.deepEqual((await postReward(bareUrl, currentRequest("Anything?", "7", "7"))).body.rewards, [1]);
  t.is((await postReward(bareUrl, olderRequest("Anything?", "7"))).status, 400);
});

test("malformed bodies are 400s with a message; a body over the limit is a 413", async (t) => {
  const { server, url } = await start({ maxBodyBytes: 10_000 });
  t.teardown(() => server.close());
  const notJson = await postReward(url, "{not json");
  t.is(notJson.status, 400);
  t.regex(String(notJson.body.error), /not JSON/);
  const noQuery = await postReward(url, { prompts: ["x"] });
  t.is(noQuery.status, 400);
  t.regex(String(noQuery.body.error), /query/);
  const mismatch = await postReward(url, { query: ["a", "b"], labels: ["1"] });
  t.is(mismatch.status, 400);
  t.regex(String(mismatch.body.error), /labels: has 1 items but query has 2/);
  const huge = await postReward(url, currentRequest("What is 2 + 3?", "x".repeat(50_000), "5"));
  t.is(huge.status, 413);
  t.regex(String(huge.body.error), /limit of 10000/);
  // The server still answers after all that.
  t.deepEqual((await postReward(url, currentRequest("What is 2 + 3?", "5", "5"))).body.rewards, [1]);
});

test("numeric labels are read as strings; unknown routes are 404", async (t) => {
  const { server, url } = await start();
  t.teardown(() => server.close());
  const request = { ...currentRequest("What is 2 + 3?", "5", null), labels: [5] };
  t.deepEqual((await postReward(url, request)).body.rewards, [1]);
  const response = await fetch(url.replace("/get_reward", "/nope"), { method: "POST", body: "{}" });
  t.is(response.status, 404);
});

test("token auth: a request without the bearer token is a 401", async (t) => {
  const { server, url } = await start({ token: "s3" });
  t.teardown(() => server.close());
  t.is((await postReward(url, EMPTY_REQUEST)).status, 401);
  t.is((await postReward(url, EMPTY_REQUEST, { authorization: "Bearer s3" })).status, 200);
});

test("concurrent single-sample requests are all answered and recorded, grouped by prompt", async (t) => {
  const { server, pool, url } = await start({ groupSize: 4, groupIdleMs: 60_000 });
  const replies = await Promise.all(
    Array.from({ length: 32 }, (_, i) =>
      postReward(
        url,
        currentRequest(
          PROBLEMS[i % 2]!.question,
          `The answer is ${i % 4 === 0 ? PROBLEMS[i % 2]!.answer : 0}`,
          PROBLEMS[i % 2]!.answer,
        ),
      ),
    ),
  );
  t.true(replies.every((r) => r.status === 200));
  await server.close();
  const stats = await pool.stats();
  t.is(stats.rollouts, 32);
  t.is(stats.groups, 8);
  const group = await pool.rolloutsOfGroup("tiny:0", 0);
  t.is(group.length, 4);
  t.true(group.every((r) => r.problemId === "tiny:0" && r.groupId === "tiny:0@0" && r.policyVersion === "openrlhf"));
  // The bare question is what reflection will see; the templated prompt is what the policy was sent.
  t.is(group[0]!.originalMessages[0]!.content, "What is 2 + 3?");
  t.regex(group[0]!.messages[0]!.content, /<\|im_start\|>user/);
  t.false(group[0]!.completion.includes("<|im_end|>"));
  t.is((await pool.undistilledGroups()).length, 8, "groups are left for distillation");
});

test("an idle group is committed without waiting for more samples; a failing pool never fails a reply", async (t) => {
  const { server, pool, url } = await start();
  t.teardown(() => server.close());
  await postReward(url, currentRequest("What is 2 + 3?", "5", "5"));
  while ((await pool.stats()).groups === 0) await new Promise((r) => setTimeout(r, 10));
  t.is((await pool.stats()).rollouts, 1);
  const errors: unknown[] = [];
  const broken = new InMemoryExperiencePool();
  await broken.close();
  const failing = new RewardServer({ score: lastNumber, pool: broken, groupIdleMs: 1, onError: (e) => errors.push(e) });
  const failingUrl = await failing.listen({ port: 0, host: "127.0.0.1" });
  t.deepEqual((await postReward(failingUrl, currentRequest("Q?", "1", "1"))).body.rewards, [1]);
  await failing.close();
  t.true(errors.length >= 1);
});

test("a restarted server continues the pool's steps instead of colliding", async (t) => {
  const pool = new InMemoryExperiencePool();
  for (let run = 0; run < 2; run++) {
    const server = new RewardServer({ score: lastNumber, problems: new ProblemIndex(PROBLEMS), pool, groupSize: 2 });
    const url = await server.listen({ port: 0, host: "127.0.0.1" });
    for (let i = 0; i < 2; i++) await postReward(url, currentRequest("What is 2 + 3?", "5", "5"));
    await server.close();
  }
  t.is((await pool.stats()).groups, 2);
  t.is(await pool.lastStep(), 1);
});

test("options are checked", (t) => {
  t.throws(() => new RewardServer({ score: lastNumber, groupSize: 0 }), { message: /groupSize/ });
  t.throws(() => new RewardServer({ score: lastNumber, maxBodyBytes: -1 }), { message: /maxBodyBytes/ });
});
