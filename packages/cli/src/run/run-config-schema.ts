import { z } from "zod";

const count = (min: number) => z.number().int().min(min);
const unit = z.number().min(0).max(1);

/** The feedback mix; `scratch` is what is left and must stay above zero. */
export const feedbackMixSchema = z.strictObject({ reflection: unit, abstraction: unit, both: unit });

/**
 * Shape of every settable field, shared by flags, `--config FILE.json` and `DIR/config.json`.
 * Strict: an unknown field (a typo) is an error, never ignored.
 */
export const runConfigFields = {
  dataset: z.string().min(1),
  limit: count(1).nullable(),
  questionField: z.string().min(1),
  answerField: z.string().min(1),
  idField: z.string().min(1),
  group: count(2),
  steps: count(1),
  batch: count(1),
  seed: count(0),
  modelUrl: z.url({ protocol: /^https?$/ }).nullable(),
  model: z.string().min(1).nullable(),
  temperature: z.number().min(0).max(2),
  maxTokens: count(1).nullable(),
  scriptedSuccessRate: unit.nullable(),
  concurrency: count(1),
  timeoutMs: count(1),
  retries: count(0),
  maxOutageMs: count(0),
  k: count(1),
  minScore: z.number().min(-1).max(1).nullable(),
  mix: feedbackMixSchema,
  baseline: z.enum(["none", "grpo"]),
  embeddings: z.enum(["default", "lexical"]),
  optimizer: z.enum(["local", "ray"]),
  ingestUrl: z.url({ protocol: /^https?$/ }).nullable(),
  rayAddress: z.url({ protocol: /^https?$/ }).nullable(),
  launch: z.string().min(1).nullable(),
};

/** What a user may write: every field optional, plus where the run goes and the API key. */
export const runConfigInputSchema = z
  .strictObject(runConfigFields)
  .partial()
  .extend({
    out: z.string().min(1).optional(),
    apiKey: z.string().min(1).optional(),
    cacheDir: z.string().min(1).optional(),
  });

export type RunConfigInput = z.infer<typeof runConfigInputSchema>;

/** `DIR/config.json`: every field required. */
export const storedRunConfigSchema = z.strictObject({
  ...runConfigFields,
  formatVersion: z.literal(1),
  runId: z.string().min(1),
  datasetDigest: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
});

/** How each field is set on the command line, and an example of a good value: the fix in errors. */
export const FIELD_HELP: Record<string, { flag: string; example: string }> = {
  dataset: { flag: "--dataset", example: "gsm8k, math500, aime24, amc23 or a path to a .jsonl file" },
  limit: { flag: "--limit", example: "a whole number ≥ 1 such as 64" },
  questionField: { flag: "--question-field", example: 'a field name such as "question"' },
  answerField: { flag: "--answer-field", example: 'a field name such as "answer"' },
  idField: { flag: "--id-field", example: 'a field name such as "id"' },
  group: { flag: "--group", example: "a whole number ≥ 2 such as 8" },
  steps: { flag: "--steps", example: "a whole number ≥ 1 such as 8" },
  batch: { flag: "--batch", example: "a whole number ≥ 1 such as 8" },
  seed: { flag: "--seed", example: "a whole number ≥ 0 such as 0" },
  modelUrl: { flag: "--model-url", example: "an http(s) URL such as http://localhost:8000/v1" },
  model: { flag: "--model", example: "a model name the server lists, such as Qwen/Qwen2.5-7B-Instruct" },
  temperature: { flag: "--temperature", example: "a number from 0 to 2 such as 1" },
  maxTokens: { flag: "--max-tokens", example: "a whole number ≥ 1 such as 2048" },
  scriptedSuccessRate: { flag: "--scripted-success-rate", example: "a number from 0 to 1 such as 0.3" },
  concurrency: { flag: "--concurrency", example: "a whole number ≥ 1 such as 8" },
  timeoutMs: { flag: "--timeout-ms", example: "milliseconds, a whole number ≥ 1 such as 120000" },
  retries: { flag: "--retries", example: "a whole number ≥ 0 such as 2" },
  maxOutageMs: { flag: "--max-outage-ms", example: "milliseconds, a whole number ≥ 0 such as 60000" },
  k: { flag: "--k", example: "a whole number ≥ 1 such as 3" },
  minScore: {
    flag: "--min-score",
    example: "a cosine similarity from -1 to 1 such as 0.6 (default: the embeddings' calibrated threshold)",
  },
  mix: {
    flag: "mix (config file only)",
    example: '{ "reflection": 0.2, "abstraction": 0.2, "both": 0.1 } summing to less than 1',
  },
  baseline: {
    flag: "--baseline",
    example: '"grpo" (no language feedback: the plain-GRPO arm of lanpo compare) or "none" (LANPO)',
  },
  embeddings: {
    flag: "--embeddings",
    example: '"default" (offline sentence encoder) or "lexical" (hashed words, fast)',
  },
  optimizer: {
    flag: "--optimizer",
    example: '"local" (a trainer inbox file) or "ray" (a trainer ingest, with --ingest-url)',
  },
  ingestUrl: { flag: "--ingest-url", example: "the trainer ingest's base URL, such as http://head-node:8000" },
  rayAddress: { flag: "--ray-address", example: "the Ray dashboard, such as http://head-node:8265" },
  launch: {
    flag: "--launch",
    example: 'the trainer job\'s entrypoint, such as "python -m lanpo_trainer serve --backend hf"',
  },
  cacheDir: {
    flag: "--cache-dir",
    example: "a folder you can write to, such as ~/.cache/lanpo (or set LANPO_CACHE_DIR)",
  },
  out: { flag: "--out", example: "a folder path such as runs/demo" },
  apiKey: { flag: "--api-key", example: "the server's key, or set OPENAI_API_KEY" },
  formatVersion: { flag: "formatVersion", example: "1" },
  runId: { flag: "runId", example: "the id written when the run started" },
  datasetDigest: { flag: "datasetDigest", example: "the sha256 written when the run started" },
  createdAt: { flag: "createdAt", example: "an ISO date" },
};
