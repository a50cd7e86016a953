import { ConfigError, type ExperiencePool, StorageError } from "@lanpo/core";
import test from "ava";
import { makeGroup, questionFor } from "../fixtures/pool-groups.js";

/**
 * The ExperiencePool contract (packages/core/src/pool/experience-pool.ts), written once and run
 * against every implementation. `create` returns a fresh, empty pool on every call.
 */
export function experiencePoolContract(name: string, create: () => Promise<ExperiencePool> | ExperiencePool): void {
  const title = (what: string) => `${name} contract: ${what}`;

  test(title("an empty pool has no groups, no attempts and last step -1"), async (t) => {
    const pool = await create();
    t.is(await pool.lastStep(), -1);
    t.false(await pool.hasGroup("p1", 0));
    t.deepEqual(await pool.priorAttempts("p1", { beforeStep: 10, limit: 5 }), []);
    t.deepEqual(await pool.rolloutsOfStep(0), []);
    t.deepEqual(await pool.stats(), {
      groups: 0,
      rollouts: 0,
      failedRollouts: 0,
      unscoredRollouts: 0,
      reflections: 0,
      problems: 0,
    });
    await pool.close();
  });

  test(title("a recorded group reads back with every rollout field, in (problemId, index) order"), async (t) => {
    const pool = await create();
    const b = makeGroup("b", 3, { size: 6, failed: [4] });
    const a = makeGroup("a", 3, { size: 5 });
    b.rollouts.reverse(); // recorded out of order: the pool orders them
    await pool.recordGroup(b);
    await pool.recordGroup(a);
    await pool.recordGroup(makeGroup("a", 4));
    const expected = [
      ...makeGroup("a", 3, { size: 5 }).rollouts,
      ...makeGroup("b", 3, { size: 6, failed: [4] }).rollouts,
    ];
    t.deepEqual(await pool.rolloutsOfStep(3), expected);
    t.true(await pool.hasGroup("a", 3));
    t.true(await pool.hasGroup("b", 3));
    t.false(await pool.hasGroup("b", 4));
    t.is(await pool.lastStep(), 4);
    await pool.close();
  });

  test(title("stats count groups, rollouts, failed rollouts, reflections and problems"), async (t) => {
    const pool = await create();
    await pool.recordGroup(makeGroup("a", 0, { size: 4, failed: [1, 2], reflections: 2 }));
    await pool.recordGroup(makeGroup("a", 1, { size: 3, reflections: 0 }));
    await pool.recordGroup(makeGroup("b", 1, { size: 2, failed: [0] }));
    t.deepEqual(await pool.stats(), {
      groups: 3,
      rollouts: 9,
      failedRollouts: 3,
      unscoredRollouts: 0,
      reflections: 3,
      problems: 2,
    });
    await pool.close();
  });

  test(title("recording the same (problemId, step) twice throws and keeps the first group"), async (t) => {
    const pool = await create();
    await pool.recordGroup(makeGroup("a", 0, { size: 3 }));
    const error = await t.throwsAsync(pool.recordGroup(makeGroup("a", 0, { size: 5 })));
    t.true(StorageError.isInstance(error));
    t.is((error as StorageError).code, "LANPO_DUPLICATE_GROUP");
    t.regex(error?.message ?? "", /"a".*step 0/);
    t.is((await pool.rolloutsOfStep(0)).length, 3);
    t.is((await pool.stats()).groups, 1);
    await pool.close();
  });

  test(title("a group that fails part-way leaves nothing behind"), async (t) => {
    const pool = await create();
    await pool.recordGroup(makeGroup("a", 0, { size: 3 }));
    // Its last rollout reuses an id already stored: the first two must not stay either.
    const clash = makeGroup("b", 0, { size: 3 });
    const last = clash.rollouts[2];
    if (last) last.id = "rollout-a-0-1";
    const error = await t.throwsAsync(pool.recordGroup(clash));
    t.true(StorageError.isInstance(error));
    t.is((error as StorageError).code, "LANPO_DUPLICATE_ID");
    t.false(await pool.hasGroup("b", 0));
    t.deepEqual(
      (await pool.rolloutsOfStep(0)).map((r) => r.id),
      ["rollout-a-0-0", "rollout-a-0-1", "rollout-a-0-2"],
    );
    t.deepEqual(await pool.stats(), {
      groups: 1,
      rollouts: 3,
      failedRollouts: 0,
      unscoredRollouts: 0,
      reflections: 1,
      problems: 1,
    });
    // The failure left the pool usable.
    await pool.recordGroup(makeGroup("b", 0, { size: 3 }));
    t.true(await pool.hasGroup("b", 0));
    await pool.close();
  });

  test(title("a reflection id used twice fails the second group whole"), async (t) => {
    const pool = await create();
    await pool.recordGroup(makeGroup("a", 0));
    const clash = makeGroup("a", 1);
    const reflection = clash.reflections[0];
    if (reflection) reflection.id = "reflection-a-0-0";
    const error = await t.throwsAsync(pool.recordGroup(clash));
    t.is((error as StorageError).code, "LANPO_DUPLICATE_ID");
    t.false(await pool.hasGroup("a", 1));
    t.is((await pool.stats()).rollouts, 4);
    await pool.close();
  });

  test(title("malformed groups are refused with a ConfigError naming the field, nothing stored"), async (t) => {
    const pool = await create();
    const cases: [string, (g: ReturnType<typeof makeGroup>) => void][] = [
      ["group.rollouts", (g) => g.rollouts.splice(0)],
      ["group.problemId", (g) => Object.assign(g, { problemId: "" })],
      ["group.step", (g) => Object.assign(g, { step: 1.5 })],
      ["group.rollouts[1].step", (g) => Object.assign(g.rollouts[1] ?? {}, { step: 9 })],
      ["group.rollouts[1].problemId", (g) => Object.assign(g.rollouts[1] ?? {}, { problemId: "other" })],
      ["group.rollouts[1].index", (g) => Object.assign(g.rollouts[1] ?? {}, { index: 0 })],
      ["group.rollouts[2].id", (g) => Object.assign(g.rollouts[2] ?? {}, { id: g.rollouts[0]?.id })],
      ["group.rollouts[0].reward", (g) => Object.assign(g.rollouts[0] ?? {}, { reward: Number.NaN })],
      ["group.rollouts[0].reward", (g) => Object.assign(g.rollouts[0] ?? {}, { status: "failed" })],
      ["group.rollouts[0].status", (g) => Object.assign(g.rollouts[0] ?? {}, { status: "maybe" })],
      ["group.rollouts[0].feedback", (g) => Object.assign(g.rollouts[0] ?? {}, { feedback: "hint" })],
      ["group.reflections[0].problemId", (g) => Object.assign(g.reflections[0] ?? {}, { problemId: "other" })],
    ];
    for (const [field, breakIt] of cases) {
      const group = makeGroup("a", 0);
      breakIt(group);
      const error = await t.throwsAsync(pool.recordGroup(group));
      t.true(ConfigError.isInstance(error), `${field}: ${String(error)}`);
      t.is((error as ConfigError).field, field);
    }
    t.is((await pool.stats()).groups, 0);
    await pool.close();
  });

  test(title("priorAttempts: text only, newest first, before the step, no failed rollouts, limited"), async (t) => {
    const pool = await create();
    await pool.recordGroup(makeGroup("a", 0, { size: 2 }));
    await pool.recordGroup(makeGroup("a", 2, { size: 3, failed: [0] }));
    await pool.recordGroup(makeGroup("a", 5, { size: 2 }));
    await pool.recordGroup(makeGroup("other", 1, { size: 2 }));
    const attempts = await pool.priorAttempts("a", { beforeStep: 5, limit: 10 });
    t.deepEqual(
      attempts.map((a) => a.attemptId),
      ["rollout-a-2-1", "rollout-a-2-2", "rollout-a-0-0", "rollout-a-0-1"],
    );
    const first = attempts[0];
    t.deepEqual(first, {
      attemptId: "rollout-a-2-1",
      problemId: "a",
      question: questionFor("a"),
      completion: "attempt 1 of a at step 2:  #### 42",
      step: 2,
    });
    // The object carries nothing a prompt must not see, not even as an extra key.
    for (const attempt of attempts) {
      t.deepEqual(Object.keys(attempt).sort(), ["attemptId", "completion", "problemId", "question", "step"]);
    }
    t.deepEqual(
      (await pool.priorAttempts("a", { beforeStep: 5, limit: 1 })).map((a) => a.attemptId),
      ["rollout-a-2-1"],
    );
    t.deepEqual(await pool.priorAttempts("a", { beforeStep: 0, limit: 10 }), []);
    t.deepEqual(await pool.priorAttempts("a", { beforeStep: 5, limit: 0 }), []);
    t.is((await pool.priorAttempts("a", { beforeStep: 6, limit: 10 })).length, 6);
    t.deepEqual(await pool.priorAttempts("missing", { beforeStep: 6, limit: 10 }), []);
    await pool.close();
  });

  test(title("unscored rollouts: no reward, counted apart from failures, still earlier attempts"), async (t) => {
    const pool = await create();
    const group = makeGroup("u", 0, { size: 3, failed: [2] });
    Object.assign(group.rollouts[0] ?? {}, { status: "unscored", reward: null, advantage: null });
    await pool.recordGroup(group);
    t.like(await pool.stats(), { rollouts: 3, failedRollouts: 1, unscoredRollouts: 1 });
    const [stored] = await pool.rolloutsOfGroup("u", 0);
    t.like(stored, { status: "unscored", reward: null, advantage: null });
    // Reflection reviews text, never rewards: an attempt nothing scored is still one to review.
    t.deepEqual(
      (await pool.priorAttempts("u", { beforeStep: 1, limit: 10 })).map((a) => a.attemptId),
      ["rollout-u-0-0", "rollout-u-0-1"],
    );
    const scored = makeGroup("u", 1, { size: 1 });
    Object.assign(scored.rollouts[0] ?? {}, { status: "unscored", reward: 0 });
    const error = await t.throwsAsync(pool.recordGroup(scored));
    t.true(ConfigError.isInstance(error));
    t.is((error as ConfigError).field, "group.rollouts[0].reward");
    t.regex((error as ConfigError).message, /unscored rollout has no reward/);
    await pool.close();
  });

  test(title("priorAttempts rejects bad options with a ConfigError"), async (t) => {
    const pool = await create();
    for (const [field, options] of [
      ["limit", { beforeStep: 1, limit: -1 }],
      ["limit", { beforeStep: 1, limit: 2.5 }],
      ["beforeStep", { beforeStep: Number.NaN, limit: 2 }],
    ] as const) {
      const error = await t.throwsAsync(pool.priorAttempts("a", options));
      t.true(ConfigError.isInstance(error));
      t.is((error as ConfigError).field, field);
    }
    await pool.close();
  });

  test(title("what a caller reads or recorded cannot change what the pool holds"), async (t) => {
    const pool = await create();
    const group = makeGroup("a", 0);
    await pool.recordGroup(group);
    const first = group.rollouts[0];
    if (first) first.completion = "changed after recording";
    const [read] = await pool.rolloutsOfStep(0);
    if (read) read.messages.push({ role: "user", content: "changed after reading" });
    t.deepEqual(await pool.rolloutsOfStep(0), makeGroup("a", 0).rollouts);
    await pool.close();
  });

  test(title("a closed pool refuses calls with a StorageError"), async (t) => {
    const pool = await create();
    await pool.recordGroup(makeGroup("a", 0));
    await pool.close();
    await pool.close(); // twice is fine
    for (const call of [() => pool.hasGroup("a", 0), () => pool.recordGroup(makeGroup("a", 1)), () => pool.stats()]) {
      const error = await t.throwsAsync(call());
      t.true(StorageError.isInstance(error));
      t.is((error as StorageError).code, "LANPO_CLOSED");
    }
  });
}
