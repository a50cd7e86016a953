import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUN_DEFAULTS, resolveRunConfig } from "@lanpo/cli";
import { ConfigError } from "@lanpo/core";
import test from "ava";

const cwd = mkdtempSync(join(tmpdir(), "lanpo-cli-config-"));
const resolveFlags = (flags: Record<string, unknown>, extra: { configFile?: string } = {}) =>
  resolveRunConfig({ flags, cwd, env: {}, now: () => 0, ...extra });

function configFile(name: string, value: unknown): string {
  const file = join(cwd, name);
  writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
  return file;
}

test("flags resolve over defaults, numbers parsed from strings", (t) => {
  const run = resolveFlags({ dataset: "gsm8k", limit: "64", group: "4", minScore: "0.75", out: "runs/x" });
  t.is(run.config.limit, 64);
  t.is(run.config.group, 4);
  t.is(run.config.minScore, 0.75);
  t.is(run.config.steps, RUN_DEFAULTS.steps);
  t.is(run.out, join(cwd, "runs/x"));
  t.is(run.apiKey, null);
  t.is(run.stored, null);
});

test("the config file is read and flags override it", (t) => {
  const file = configFile("ok.json", {
    dataset: "math500",
    steps: 3,
    batch: 2,
    mix: { reflection: 0.1, abstraction: 0.1, both: 0.1 },
  });
  const run = resolveFlags({ steps: "5" }, { configFile: file });
  t.is(run.config.dataset, "math500");
  t.is(run.config.steps, 5);
  t.is(run.config.batch, 2);
  t.deepEqual(run.config.mix, { reflection: 0.1, abstraction: 0.1, both: 0.1 });
});

test("the API key comes from the flag, else OPENAI_API_KEY, and is never in the config", (t) => {
  t.is(resolveRunConfig({ flags: { dataset: "gsm8k" }, cwd, env: { OPENAI_API_KEY: "env-key" } }).apiKey, "env-key");
  const run = resolveRunConfig({
    flags: { dataset: "gsm8k", apiKey: "flag-key" },
    cwd,
    env: { OPENAI_API_KEY: "env-key" },
  });
  t.is(run.apiKey, "flag-key");
  t.false(JSON.stringify(run.config).includes("flag-key"));
});

test("a custom dataset path is stored absolute so a resume works from any folder", (t) => {
  t.is(resolveFlags({ dataset: "data/x.jsonl" }).config.dataset, join(cwd, "data/x.jsonl"));
});

// Each bad flag: the error names the field and says what a good value looks like.
const badFlags: [string, Record<string, unknown>, RegExp][] = [
  ["limit", { limit: "abc" }, /--limit.*"abc".*whole number/],
  ["limit", { limit: "0" }, /--limit.*0.*whole number ≥ 1/],
  ["group", { group: "1" }, /--group.*whole number ≥ 2/],
  ["steps", { steps: "2.5" }, /--steps.*2\.5/],
  ["batch", { batch: "-1" }, /--batch/],
  ["seed", { seed: "-3" }, /--seed/],
  ["modelUrl", { modelUrl: "not a url" }, /--model-url.*http/],
  ["modelUrl", { modelUrl: "ftp://host/v1" }, /--model-url/],
  ["temperature", { temperature: "3" }, /--temperature.*0 to 2/],
  ["maxTokens", { maxTokens: "0" }, /--max-tokens/],
  ["concurrency", { concurrency: "0" }, /--concurrency/],
  ["timeoutMs", { timeoutMs: "soon" }, /--timeout-ms.*"soon"/],
  ["retries", { retries: "-1" }, /--retries/],
  ["k", { k: "0" }, /--k/],
  ["minScore", { minScore: "1.5" }, /--min-score.*-1 to 1/],
  ["scriptedSuccessRate", { scriptedSuccessRate: "2" }, /--scripted-success-rate/],
  ["embeddings", { embeddings: "bert" }, /--embeddings.*"bert".*lexical/],
];
for (const [field, flags, message] of badFlags) {
  test(`bad flag ${field} ${JSON.stringify(flags)} is a ConfigError naming it`, (t) => {
    const error = t.throws(() => resolveFlags({ dataset: "gsm8k", ...flags }), { instanceOf: ConfigError });
    t.is(error?.field, field);
    t.regex(error?.message ?? "", message);
  });
}

test("a missing dataset names the flag", (t) => {
  const error = t.throws(() => resolveFlags({}), { instanceOf: ConfigError });
  t.is(error?.field, "dataset");
  t.regex(error?.message ?? "", /--dataset/);
});

test("several bad fields are all named", (t) => {
  const error = t.throws(() => resolveFlags({ dataset: "gsm8k", limit: "x", steps: "0" }), { instanceOf: ConfigError });
  t.is(error?.field, "limit");
  t.regex(error?.message ?? "", /steps/);
});

const badFiles: [string, unknown, string, RegExp][] = [
  ["unknown field (a typo)", { dataset: "gsm8k", stpes: 3 }, "stpes", /"stpes" in .*not a known field/],
  ["wrong type", { dataset: "gsm8k", steps: "three" }, "steps", /"steps" in .*expected number.*"three"/],
  [
    "bad mix value",
    { dataset: "gsm8k", mix: { reflection: 2, abstraction: 0, both: 0 } },
    "mix.reflection",
    /mix\.reflection/,
  ],
  [
    "unknown mix key",
    { dataset: "gsm8k", mix: { reflection: 0.1, abstraction: 0.1, both: 0.1, plan: 0.1 } },
    "mix.plan",
    /not a known field/,
  ],
  [
    "mix leaving no scratch",
    { dataset: "gsm8k", mix: { reflection: 0.5, abstraction: 0.3, both: 0.2 } },
    "mix",
    /below 1.*from-scratch/,
  ],
  ["not an object", "[1, 2]", "config", /one JSON object/],
  ["not JSON", "{ dataset: gsm8k", "config", /not valid JSON/],
];
for (const [name, content, field, message] of badFiles) {
  test(`config file with ${name} is a ConfigError naming ${field}`, (t) => {
    const file = configFile(`bad-${field}.json`, content);
    const error = t.throws(() => resolveFlags({}, { configFile: file }), { instanceOf: ConfigError });
    t.is(error?.field, field);
    t.regex(error?.message ?? "", message);
  });
}

test("a missing config file is a ConfigError naming it", (t) => {
  const error = t.throws(() => resolveFlags({}, { configFile: join(cwd, "nope.json") }), { instanceOf: ConfigError });
  t.is(error?.field, "config");
  t.regex(error?.message ?? "", /nope\.json: no such file/);
});

test("--model without --model-url is refused", (t) => {
  const error = t.throws(() => resolveFlags({ dataset: "gsm8k", model: "m" }), { instanceOf: ConfigError });
  t.is(error?.field, "model");
  t.regex(error?.message ?? "", /--model-url/);
});

test("custom-file fields with a bundled set are refused", (t) => {
  const error = t.throws(() => resolveFlags({ dataset: "gsm8k", questionField: "q" }), { instanceOf: ConfigError });
  t.is(error?.field, "questionField");
});

test("--resume of a folder without config.json is a clear error", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "lanpo-cli-noresume-"));
  const error = t.throws(() => resolveRunConfig({ flags: {}, resumeDir: dir, cwd }), { instanceOf: ConfigError });
  t.is(error?.field, "resume");
  t.regex(error?.message ?? "", /no config\.json/);
  const missing = t.throws(() => resolveRunConfig({ flags: {}, resumeDir: join(dir, "absent"), cwd }), {
    instanceOf: ConfigError,
  });
  t.regex(missing?.message ?? "", /does not exist/);
});

function storedRun(overrides: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "lanpo-cli-stored-"));
  const stored = {
    ...RUN_DEFAULTS,
    dataset: "gsm8k",
    formatVersion: 1,
    runId: "r1",
    datasetDigest: "a".repeat(64),
    createdAt: "2025-01-01T00:00:00.000Z",
    ...overrides,
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(stored));
  return dir;
}

test("--resume reads the stored config and lets only speed settings change", (t) => {
  const dir = storedRun({ steps: 4, seed: 7 });
  const run = resolveRunConfig({ flags: { steps: "6", concurrency: "2", seed: "7" }, resumeDir: dir, cwd, env: {} });
  t.is(run.out, dir);
  t.is(run.config.steps, 6);
  t.is(run.config.concurrency, 2);
  t.is(run.config.seed, 7);
  t.is(run.stored?.runId, "r1");
});

test("--resume with a flag that changes what the run computes is refused", (t) => {
  const dir = storedRun({ seed: 7 });
  const error = t.throws(() => resolveRunConfig({ flags: { seed: "8" }, resumeDir: dir, cwd }), {
    instanceOf: ConfigError,
  });
  t.is(error?.field, "seed");
  t.regex(error?.message ?? "", /used 7.*asks for 8.*drop --seed/);
});

test("--resume of a mangled config.json names the field", (t) => {
  const dir = storedRun({ group: "eight" });
  const error = t.throws(() => resolveRunConfig({ flags: {}, resumeDir: dir, cwd }), { instanceOf: ConfigError });
  t.is(error?.field, "group");
  t.regex(error?.message ?? "", /config\.json/);
  const broken = storedRun();
  writeFileSync(join(broken, "config.json"), "{ not json");
  const unreadable = t.throws(() => resolveRunConfig({ flags: {}, resumeDir: broken, cwd }), {
    instanceOf: ConfigError,
  });
  t.is(unreadable?.field, "resume");
});

test("--resume with a different --out is refused", (t) => {
  const dir = storedRun();
  const error = t.throws(() => resolveRunConfig({ flags: { out: join(cwd, "elsewhere") }, resumeDir: dir, cwd }), {
    instanceOf: ConfigError,
  });
  t.is(error?.field, "out");
});
