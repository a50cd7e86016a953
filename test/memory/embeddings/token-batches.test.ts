import test from "ava";
import { planTokenBatches } from "../../../memory/src/embeddings/token-batches.js";

test("longest first, neighbours by length, within both limits", (t) => {
  const counts = [5, 40, 7, 40, 6, 39, 5, 8];
  const plan = planTokenBatches(counts, { maxTexts: 3, maxPaddedTokens: 100 });
  t.deepEqual(
    plan.map((batch) => batch.map((i) => counts[i])),
    [[40, 40], [39, 8], [7, 6, 5], [5]],
  );
  for (const batch of plan) {
    t.true(batch.length <= 3);
    t.true(batch.length * Math.max(...batch.map((i) => counts[i] as number)) <= 100);
  }
  t.deepEqual(plan.flat().sort(), [...counts.keys()].sort());
});

test("a text over the token budget gets a call of its own; nothing is dropped", (t) => {
  t.deepEqual(planTokenBatches([500, 3, 3], { maxTexts: 8, maxPaddedTokens: 64 }), [[0], [1, 2]]);
  t.deepEqual(planTokenBatches([], { maxTexts: 8, maxPaddedTokens: 64 }), []);
});
