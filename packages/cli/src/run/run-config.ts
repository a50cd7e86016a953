import type { FeedbackMix } from "@lanpo/core";

/**
 * The resolved settings of one `lanpo run`: every field set, nothing optional. It is written to
 * `DIR/config.json`, so `--resume DIR` continues with exactly these settings. The API key is never
 * part of it: it comes from `--api-key` or `OPENAI_API_KEY` on every start.
 */
export interface RunConfig {
  /** A bundled set name, or the absolute path of a `.jsonl` file. */
  dataset: string;
  /** First N problems only; null for all. */
  limit: number | null;
  /** Fields of a custom `.jsonl` file. */
  questionField: string;
  answerField: string;
  idField: string;
  /** Rollouts per problem (G). */
  group: number;
  /** Trainer steps. */
  steps: number;
  /** Problems per step. */
  batch: number;
  seed: number;
  /** Base URL of an OpenAI-compatible server; null runs the offline scripted policy. */
  modelUrl: string | null;
  /** Model name on that server; null picks the only model the server lists. */
  model: string | null;
  /** Sampling temperature sent to the server. */
  temperature: number;
  /** Completion token cap sent to the server; null leaves it to the server. */
  maxTokens: number | null;
  /** Success rate of the scripted policy; null keeps its own default. */
  scriptedSuccessRate: number | null;
  /** Model calls in flight at once. */
  concurrency: number;
  /** Per model call. */
  timeoutMs: number;
  /** Extra tries of a failed model call. */
  retries: number;
  /** How long calls wait out a model server that stopped answering before the run stops. */
  maxOutageMs: number;
  /** Lessons per context at most. */
  k: number;
  /** Cosine similarity under which lessons are not retrieved; null takes the embeddings' calibrated threshold. */
  minScore: number | null;
  mix: FeedbackMix;
  /**
   * `"grpo"`: the plain-GRPO baseline arm of an experiment: the same problems, seeds and sample
   * budget with no language feedback (every rollout from scratch, no lessons distilled). `"none"`: LANPO.
   */
  baseline: "none" | "grpo";
  /** Embeddings of the lesson memory: the offline sentence encoder, or hashed words (fast). */
  embeddings: "default" | "lexical";
  /** Where training batches go: a local trainer inbox file, or a trainer's HTTP ingest on a Ray cluster. */
  optimizer: "local" | "ray";
  /** The trainer's ingest base URL (`--optimizer ray`). */
  ingestUrl: string | null;
  /** The Ray dashboard, to launch the trainer job (`--launch`). */
  rayAddress: string | null;
  /** The trainer job's entrypoint, submitted to Ray when the run starts; null: the trainer already runs. */
  launch: string | null;
}

/** Defaults of every {@link RunConfig} field but `dataset`: applied here and nowhere else. */
export const RUN_DEFAULTS: Omit<RunConfig, "dataset"> = {
  limit: null,
  questionField: "question",
  answerField: "answer",
  idField: "id",
  group: 8,
  steps: 8,
  batch: 8,
  seed: 0,
  modelUrl: null,
  model: null,
  temperature: 1,
  maxTokens: null,
  scriptedSuccessRate: null,
  concurrency: 64,
  timeoutMs: 120_000,
  retries: 2,
  maxOutageMs: 60_000,
  k: 3,
  minScore: null,
  mix: { reflection: 0.2, abstraction: 0.2, both: 0.1 },
  baseline: "none",
  embeddings: "default",
  optimizer: "local",
  ingestUrl: null,
  rayAddress: null,
  launch: null,
};

/**
 * Fields a resumed run may change: they alter how fast it runs or where its servers are, not what it
 * computes (a model server or ingest that moved to another address is the same server).
 */
export const RESUMABLE_OVERRIDES: readonly (keyof RunConfig)[] = [
  "steps",
  "concurrency",
  "timeoutMs",
  "retries",
  "maxOutageMs",
  "modelUrl",
  "ingestUrl",
  "rayAddress",
];

/** Values of fields added after format 1 was first written, for run folders written before them. */
export const ADDED_FIELD_DEFAULTS: Partial<RunConfig> = {
  maxOutageMs: 60_000,
  optimizer: "local",
  ingestUrl: null,
  rayAddress: null,
  launch: null,
  baseline: "none",
};

/** What `DIR/config.json` holds: the config plus what a resume checks against. */
export interface StoredRunConfig extends RunConfig {
  formatVersion: 1;
  /** Names the run in batch ids; a resume passes it again so resent batches are recognised. */
  runId: string;
  /** sha256 of the loaded problems: a resume refuses a data set that changed under it. */
  datasetDigest: string;
  createdAt: string;
}
