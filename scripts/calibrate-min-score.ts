// Chooses an embedding model's retrieval threshold (`lanpoMinScore`, the trainer's default
// `retrieval.minScore`) without any evaluation label: the similarity that only 1 in 1,000 pairs of
// problems from UNRELATED data sets reach (grade-school word problems, GSM8K, against competition
// problems, AIME 2024 + AMC 2023). A memory of a thousand lessons then lets about one unrelated
// lesson through per query. Only question texts are read, never answers or labels.
//
//   node --import tsx --conditions=source scripts/calibrate-min-score.ts [--embeddings lexical|default] [--quantile 0.999]
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { HashedLexicalEmbeddings } from "@lanpo/core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
};
const kind = arg("embeddings", "lexical");
const quantile = Number(arg("quantile", "0.999"));

function questions(file: string, field: string, limit: number): string[] {
  return readFileSync(join(root, "packages/cli/data", file), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(0, limit)
    .map((l) => String((JSON.parse(l) as Record<string, unknown>)[field]));
}

async function embeddingsOf(name: string): Promise<EmbeddingsInterface & { close?: () => Promise<void> }> {
  if (name === "lexical") return new HashedLexicalEmbeddings();
  const memory = (await import("@lanpo/memory")) as unknown as { defaultEmbeddings: () => EmbeddingsInterface };
  return memory.defaultEmbeddings();
}

function unit(v: number[]): number[] {
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

const embeddings = await embeddingsOf(kind);
const words = questions("gsm8k_test.jsonl", "question", 400);
const competition = [...questions("aime24.jsonl", "problem", 1000), ...questions("amc23.jsonl", "problem", 1000)];
const a = (await embeddings.embedDocuments(words)).map(unit);
const b = (await embeddings.embedDocuments(competition)).map(unit);
const sims: number[] = [];
for (const x of a) for (const y of b) sims.push(x.reduce((s, xi, i) => s + xi * (y[i] as number), 0));
sims.sort((p, q) => p - q);
const at = (q: number) => sims[Math.min(sims.length - 1, Math.floor(q * sims.length))] as number;
console.log(
  JSON.stringify({
    embeddings: kind,
    pairs: sims.length,
    quantile,
    threshold: Number(at(quantile).toFixed(3)),
    median: Number(at(0.5).toFixed(3)),
    p95: Number(at(0.95).toFixed(3)),
    p999: Number(at(0.999).toFixed(3)),
  }),
);
await embeddings.close?.();
process.exit(0);
