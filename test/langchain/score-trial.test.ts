// The one scoring rule of the middleware and the callback handler (plugins/langchain/src/util/score-trial.ts).
import test from "ava";
import { scoreTrial, trialStatus } from "../../plugins/langchain/src/util/score-trial.ts";

test("an empty answer is 0 without asking; no reward, null or undefined leave it unscored", async (t) => {
  let asked = 0;
  const errors: unknown[] = [];
  const onError = (e: unknown) => {
    errors.push(e);
  };
  t.is(await scoreTrial("  ", () => asked++, onError), 0);
  t.is(asked, 0);
  t.is(await scoreTrial("42", undefined, onError), null);
  t.is(await scoreTrial("42", () => null, onError), null);
  t.is(await scoreTrial("42", () => undefined, onError), null);
  t.is(await scoreTrial("42", async () => 0.5, onError), 0.5);
  t.is(await scoreTrial("42", () => -1, onError), -1);
  t.deepEqual(errors, []);
});

test("a reward that fails or answers no finite number leaves the trial unscored and is reported", async (t) => {
  for (const reward of [
    () => Number.NaN,
    () => Number.POSITIVE_INFINITY,
    () => "1",
    () => Promise.reject(new Error("down")),
  ]) {
    const errors: unknown[] = [];
    t.is(await scoreTrial("42", reward, (e) => void errors.push(e)), null);
    t.is(errors.length, 1);
    t.regex(String(errors[0]), /reward returned|down/);
  }
});

test("the status follows the score", (t) => {
  t.is(trialStatus(true, null, ""), "failed");
  t.is(trialStatus(false, null, "42"), "unscored");
  t.is(trialStatus(false, 0, ""), "empty");
  t.is(trialStatus(false, 1, "42"), "ok");
});
