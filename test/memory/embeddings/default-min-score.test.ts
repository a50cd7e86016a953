import { readFileSync } from "node:fs";
import { suggestedMinScoreOf } from "@lanpo/core";
import test from "ava";
import { defaultEmbeddings } from "../../../memory/src/embeddings/index.js";

const questions = (file: string, field: string, limit: number) =>
  readFileSync(new URL(`../../../packages/cli/data/${file}`, import.meta.url), "utf8")
    .trim()
    .split("\n")
    .slice(0, limit)
    .map((line) => String((JSON.parse(line) as Record<string, unknown>)[field]));

test("the default composition carries its calibrated threshold; other weights carry none", async (t) => {
  const created = [
    defaultEmbeddings({ cacheDir: false }),
    defaultEmbeddings({ cacheDir: false, lexicalWeight: 0.125, topicWeight: 0.125, subjectWeight: 0.5, workers: 1 }),
    defaultEmbeddings({ cacheDir: false, lexicalWeight: 0.3 }),
    defaultEmbeddings({ cacheDir: false, topicWeight: 0 }),
    defaultEmbeddings({ cacheDir: false, subjectWeight: 0 }),
    defaultEmbeddings({ cacheDir: false, maxTokens: 64 }),
  ];
  const [plain, explicit, ...others] = created as [
    ReturnType<typeof defaultEmbeddings>,
    ...ReturnType<typeof defaultEmbeddings>[],
  ];
  try {
    t.is(typeof plain.lanpoMinScore, "number");
    t.true((plain.lanpoMinScore as number) > 0 && (plain.lanpoMinScore as number) < 1);
    t.is(suggestedMinScoreOf(plain), plain.lanpoMinScore);
    t.is(explicit?.lanpoMinScore, plain.lanpoMinScore);
    for (const other of others) {
      t.is(other.lanpoMinScore, undefined);
      t.is(suggestedMinScoreOf(other), undefined);
    }
  } finally {
    await Promise.all(created.map((e) => e.close()));
  }
});

// The threshold is a measurement, so it goes stale when the lexicon, a weight or the encoder
// changes: this re-measures it the way `scripts/calibrate-min-score.ts` does (texts only).
test.serial("lanpoMinScore is still the 99.9th percentile of unrelated problems' similarity", async (t) => {
  const embeddings = defaultEmbeddings({ cacheDir: false });
  try {
    const words = await embeddings.embedDocuments(questions("gsm8k_test.jsonl", "question", 400));
    const competition = await embeddings.embedDocuments([
      ...questions("aime24.jsonl", "problem", 1000),
      ...questions("amc23.jsonl", "problem", 1000),
    ]);
    const similarities: number[] = [];
    for (const a of words)
      for (const b of competition) similarities.push(a.reduce((s, x, i) => s + x * (b[i] as number), 0));
    similarities.sort((p, q) => p - q);
    const measured = similarities[Math.floor(0.999 * similarities.length)] as number;
    t.log(`measured ${measured.toFixed(4)} over ${similarities.length} pairs; documented ${embeddings.lanpoMinScore}`);
    // The constant is rounded to 3 decimals; a drift of 0.003 (what dropping the answer-format
    // boilerplate moved it by) must fail here, not pass unnoticed.
    t.true(Math.abs(measured - (embeddings.lanpoMinScore as number)) < 0.0015);
  } finally {
    await embeddings.close();
  }
});
