import { groupAdvantages, planGroup } from "@lanpo/core";
import test from "ava";

const close = (a: number[], b: number[]) =>
  a.length === b.length && a.every((x, i) => Math.abs(x - (b[i] as number)) < 1e-4);

test("grpo normalises by the group's mean and unbiased std by default, as verl and TRL do", (t) => {
  // [1, 0, 0, 1]: mean 0.5, sum of squares 1, unbiased std sqrt(1/3).
  t.true(close(groupAdvantages([1, 0, 0, 1]), [0.866, -0.866, -0.866, 0.866]));
  // [1, 0, 0, 0]: mean 0.25, sum of squares 0.75, unbiased std 0.5.
  t.true(close(groupAdvantages([1, 0, 0, 0]), [1.5, -0.5, -0.5, -0.5]));
});

test("grpo with the population std divides by n", (t) => {
  t.true(close(groupAdvantages([1, 0, 0, 1], { std: "population" }), [1, -1, -1, 1]));
  t.true(close(groupAdvantages([1, 0, 0, 0], { std: "population" }), [1.732, -0.5773, -0.5773, -0.5773]));
});

test("drgrpo subtracts the mean only; rloo subtracts the mean of the others", (t) => {
  t.true(close(groupAdvantages([1, 0, 0, 0], { estimator: "drgrpo" }), [0.75, -0.25, -0.25, -0.25]));
  t.true(close(groupAdvantages([1, 0, 0, 0], { estimator: "rloo" }), [1, -1 / 3, -1 / 3, -1 / 3]));
});

test("a zero-variance group, a group of one and an empty group carry no signal", (t) => {
  for (const estimator of ["grpo", "drgrpo", "rloo"] as const) {
    t.deepEqual(groupAdvantages([1, 1, 1], { estimator }), [0, 0, 0]);
    t.deepEqual(groupAdvantages([0.5], { estimator }), [0]);
    t.deepEqual(groupAdvantages([], { estimator }), []);
  }
});

test("non-finite rewards and unknown estimators are refused", (t) => {
  t.throws(() => groupAdvantages([1, Number.NaN]), { message: /reward 1 is NaN/ });
  t.throws(() => groupAdvantages([1, 0], { estimator: "ppo" as never }), { message: /unknown estimator/ });
});

test("group plans follow the mix and always keep a scratch rollout", (t) => {
  let i = 0;
  const rng = () => {
    i = (i * 9301 + 49297) % 233280;
    return i / 233280;
  };
  const plan = planGroup(8, { reflection: 0.25, abstraction: 0.25, both: 0 }, rng);
  t.is(plan.length, 8);
  t.is(plan.filter((k) => k === "reflection").length, 2);
  t.is(plan.filter((k) => k === "abstraction").length, 2);
  t.is(plan.filter((k) => k === "scratch").length, 4);
  const crowded = planGroup(2, { reflection: 0.45, abstraction: 0.45, both: 0.05 }, rng);
  t.true(crowded.includes("scratch"));
});
