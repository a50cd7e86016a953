import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError } from "@lanpo/core";
import { isBundledDatasetName } from "../datasets/bundled-datasets.js";
import { looksLikeDatasetPath } from "../datasets/load-dataset.js";
import { configErrorFromIssues, flagName } from "./config-issues.js";
import { RESUMABLE_OVERRIDES, RUN_DEFAULTS, type RunConfig, type StoredRunConfig } from "./run-config.js";
import { FIELD_HELP, type RunConfigInput, runConfigInputSchema } from "./run-config-schema.js";
import { readStoredRunConfig } from "./run-folder.js";

/** Options of {@link resolveRunConfig}. */
export interface ResolveRunConfigOptions {
  /** Flag values by field name (`timeoutMs`), as commander gives them: numbers may still be strings. */
  flags: Record<string, unknown>;
  /** `--config FILE.json`; flags override it. */
  configFile?: string | undefined;
  /** `--resume DIR`. */
  resumeDir?: string | undefined;
  /** @default process.cwd() */
  cwd?: string;
  /** @default process.env */
  env?: Record<string, string | undefined>;
  /** Names the default run folder. @default Date.now */
  now?: () => number;
}

/** What a run starts from. */
export interface ResolvedRun {
  config: RunConfig;
  /** Absolute run folder. */
  out: string;
  apiKey: string | null;
  /** Folder of the embedding cache (`--cache-dir`, else `$LANPO_CACHE_DIR`); null: the default. */
  cacheDir: string | null;
  /** The stored config when resuming. */
  stored: StoredRunConfig | null;
}

const NUMERIC = new Set([
  "limit",
  "group",
  "steps",
  "batch",
  "seed",
  "temperature",
  "maxTokens",
  "scriptedSuccessRate",
  "concurrency",
  "timeoutMs",
  "retries",
  "maxOutageMs",
  "k",
  "minScore",
]);

/**
 * Merges `--config FILE.json` and flags (flags win), validates both with zod and applies
 * {@link RUN_DEFAULTS}, or, with `resumeDir`, reads `DIR/config.json` and refuses any flag that
 * would change what the run computes. Every problem is a `ConfigError` naming the field and the fix.
 */
export function resolveRunConfig(options: ResolveRunConfigOptions): ResolvedRun {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const fileInput = options.configFile ? readConfigFile(resolve(cwd, options.configFile)) : {};
  const flagInput = parseInput(coerceFlags(options.flags), (f) => flagName(f));
  const input: RunConfigInput = { ...fileInput, ...flagInput };
  const apiKey = input.apiKey ?? env.OPENAI_API_KEY ?? null;
  const { out: outInput, apiKey: _apiKey, cacheDir: cacheInput, ...fields } = input;
  const cacheDir =
    cacheInput !== undefined
      ? resolve(cwd, cacheInput)
      : env.LANPO_CACHE_DIR
        ? resolve(cwd, env.LANPO_CACHE_DIR)
        : null;
  if (fields.dataset !== undefined) fields.dataset = normaliseDataset(fields.dataset, cwd);

  if (options.resumeDir !== undefined) {
    const out = resolve(cwd, options.resumeDir);
    if (outInput !== undefined && resolve(cwd, outInput) !== out) {
      throw new ConfigError(
        "out",
        `--resume ${options.resumeDir} continues the run in that folder; drop --out ${outInput} (or start a new run with --out and no --resume)`,
      );
    }
    const stored = readStoredRunConfig(out);
    for (const [field, value] of Object.entries(fields)) {
      const key = field as keyof RunConfig;
      if (RESUMABLE_OVERRIDES.includes(key)) continue;
      if (JSON.stringify(value) !== JSON.stringify(stored[key])) {
        throw new ConfigError(
          field,
          `the run in ${out} used ${JSON.stringify(stored[key])} and ${flagName(field)} asks for ${JSON.stringify(value)}; a resumed run keeps its settings: drop ${flagName(field)} (only ${RESUMABLE_OVERRIDES.map(flagName).join(", ")} may change), or start a new run with --out`,
        );
      }
    }
    const { formatVersion: _v, runId: _r, datasetDigest: _d, createdAt: _c, ...config } = stored;
    return { config: checkCombination({ ...config, ...fields }), out, apiKey, cacheDir, stored };
  }

  if (fields.dataset === undefined) {
    throw new ConfigError("dataset", `is missing; pass --dataset with ${FIELD_HELP.dataset?.example}`);
  }
  if (isBundledDatasetName(fields.dataset)) {
    for (const field of ["questionField", "answerField", "idField"] as const) {
      if (fields[field] !== undefined) {
        throw new ConfigError(
          field,
          `${flagName(field)} applies to a custom .jsonl dataset only; the bundled set "${fields.dataset}" has fixed fields: drop it`,
        );
      }
    }
  }
  const config = checkCombination(withBaseline({ ...RUN_DEFAULTS, ...fields, dataset: fields.dataset }, fields.mix));
  const out = resolve(cwd, outInput ?? defaultOutDir(now()));
  return { config, out, apiKey, cacheDir, stored: null };
}

function readConfigFile(file: string): RunConfigInput {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code
          ? `cannot read it (${code})`
          : `not valid JSON (${(cause as Error).message})`;
    throw new ConfigError(
      "config",
      `${file}: ${why}; --config takes a JSON file such as {"dataset": "gsm8k", "steps": 8}`,
      { cause },
    );
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError("config", `${file}: must hold one JSON object such as {"dataset": "gsm8k", "steps": 8}`);
  }
  return parseInput(raw as Record<string, unknown>, (f) => `"${f}" in ${file}`);
}

function parseInput(input: Record<string, unknown>, where: (field: string) => string): RunConfigInput {
  const result = runConfigInputSchema.safeParse(input);
  if (!result.success) throw configErrorFromIssues(result.error.issues, input, where);
  return result.data;
}

/** Commander hands over strings; numbers become numbers so zod checks ranges, not types. */
function coerceFlags(flags: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    out[key] =
      NUMERIC.has(key) && typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))
        ? Number(value)
        : value;
  }
  return out;
}

/** A custom file is stored by absolute path, so `--resume` works from any folder. */
function normaliseDataset(dataset: string, cwd: string): string {
  return looksLikeDatasetPath(dataset, cwd) ? resolve(cwd, dataset) : dataset;
}

/** The GRPO baseline turns language feedback off: every rollout from scratch. */
const NO_FEEDBACK = { reflection: 0, abstraction: 0, both: 0 };

function withBaseline(config: RunConfig, mixInput: RunConfig["mix"] | undefined): RunConfig {
  if (config.baseline !== "grpo") return config;
  if (mixInput !== undefined && mixInput.reflection + mixInput.abstraction + mixInput.both > 0) {
    throw new ConfigError(
      "mix",
      `--baseline grpo runs with no language feedback, so its mix is all zero; drop "mix" (${JSON.stringify(mixInput)}) or drop --baseline`,
    );
  }
  return { ...config, mix: NO_FEEDBACK };
}

function checkCombination(config: RunConfig): RunConfig {
  const { reflection, abstraction, both } = config.mix;
  if (reflection + abstraction + both >= 1) {
    throw new ConfigError(
      "mix",
      `reflection + abstraction + both is ${reflection + abstraction + both}; it must stay below 1 so every group keeps from-scratch rollouts: use e.g. ${FIELD_HELP.mix?.example}`,
    );
  }
  if (config.model !== null && config.modelUrl === null) {
    throw new ConfigError(
      "model",
      `--model ${config.model} needs --model-url (the OpenAI-compatible server, e.g. http://localhost:8000/v1); without a server lanpo runs the offline scripted policy`,
    );
  }
  if (config.optimizer === "ray" && config.ingestUrl === null) {
    throw new ConfigError(
      "ingestUrl",
      "--optimizer ray sends batches to a trainer's ingest: pass --ingest-url http://HOST:PORT (for the bundled trainer, the port of `python -m lanpo_trainer serve`)",
    );
  }
  if (config.optimizer !== "ray" && (config.ingestUrl !== null || config.launch !== null)) {
    throw new ConfigError(
      config.ingestUrl !== null ? "ingestUrl" : "launch",
      `${config.ingestUrl !== null ? "--ingest-url" : "--launch"} applies to --optimizer ray only; add --optimizer ray, or drop it`,
    );
  }
  if (config.launch !== null && config.rayAddress === null) {
    throw new ConfigError(
      "rayAddress",
      "--launch submits the trainer job to Ray: pass --ray-address http://HEAD:8265 too",
    );
  }
  if (config.scriptedSuccessRate !== null && config.modelUrl !== null) {
    throw new ConfigError(
      "scriptedSuccessRate",
      "applies to the offline scripted policy only; drop it when --model-url is set",
    );
  }
  return config;
}

function defaultOutDir(nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `runs/run-${stamp}`;
}
