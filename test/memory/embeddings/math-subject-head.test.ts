import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@lanpo/core";
import test from "ava";
import {
  defaultEmbeddings,
  MATH_SUBJECTS,
  MathSubjectHead,
  type MathSubjectHeadManifest,
} from "../../../memory/src/embeddings/index.js";
import { softmaxInPlace } from "../../../memory/src/embeddings/math-subject-head.js";

const repo = (path: string) => new URL(`../../../${path}`, import.meta.url);
const manifest = JSON.parse(
  readFileSync(repo("memory/data/math-subject-head.json"), "utf8"),
) as MathSubjectHeadManifest;
const readJsonl = (path: string) =>
  readFileSync(repo(path), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);

test("the shipped head reads the default composition and names the seven subjects", (t) => {
  const head = MathSubjectHead.shipped();
  t.deepEqual([...head.subjects], [...MATH_SUBJECTS]);
  t.is(head.inputDimensions, 512 + 1024 + 34);
  t.is(MathSubjectHead.shipped(), head);
  const p = head.probabilities(new Float32Array(head.inputDimensions));
  t.true(Math.abs(p.reduce((s, x) => s + x, 0) - 1) < 1e-9);
});

test("the manifest names the training file the repository holds, by its sha256", (t) => {
  const training = manifest.training as { data: string; dataSha256: string; rows: number };
  const bytes = readFileSync(repo(training.data));
  t.is(createHash("sha256").update(bytes).digest("hex"), training.dataSha256);
  t.is(readJsonl(training.data).length, training.rows);
});

// The rule "no evaluation set's texts inside the product", checked with its own reading of the
// files: every problem of every bundled evaluation set, whitespace and case folded, against every
// training problem.
test("no problem of an evaluation set is in the head's training data", (t) => {
  const fold = (text: unknown) => String(text).toLowerCase().replace(/\s+/g, " ").trim();
  const training = new Set(readJsonl("scripts/data/math-train-subjects.jsonl").map((row) => fold(row.problem)));
  t.true(training.size > 7400); // 7,500 rows; two of them read alike once folded
  for (const [file, field] of [
    ["math500_test.jsonl", "problem"],
    ["aime24.jsonl", "problem"],
    ["amc23.jsonl", "problem"],
    ["gsm8k_test.jsonl", "question"],
  ] as const) {
    const rows = readJsonl(`packages/cli/data/${file}`);
    t.true(rows.length > 0 && rows.every((row) => typeof row[field] === "string"), `${file} has ${field}`);
    const shared = rows.filter((row) => training.has(fold(row[field])));
    t.is(shared.length, 0, `${file} shares ${shared.length} problems with the training data`);
  }
});

test("the default subjectWeight is the share the training script chose on its held-out fifth", async (t) => {
  const embeddings = defaultEmbeddings({ cacheDir: false, workers: 1 });
  try {
    const [v] = await embeddings.embedDocuments(["How many ways can 5 books be arranged on a shelf?"]);
    const share = (v as number[]).slice(-7).reduce((s, x) => s + x * x, 0);
    t.true(Math.abs(share - (manifest.training as { subjectWeight: number }).subjectWeight) < 1e-9);
  } finally {
    await embeddings.close();
  }
});

// The head must read what it was fitted on (scripts/train-subject-head.ts embeds with these
// weights), also when the caller's own composition leaves the lexical or topic part out or sizes
// the lexical part otherwise.
test("the subject part is the head's reading of the composition it was fitted on, whatever the caller's weights", async (t) => {
  const text = "Find the number of positive divisors of $2^4 \\cdot 3^2$.";
  const fitted = defaultEmbeddings({
    cacheDir: false,
    workers: 1,
    lexicalWeight: 0.25,
    topicWeight: 0.25,
    subjectWeight: 0,
  });
  const compositions = [
    defaultEmbeddings({ cacheDir: false, workers: 1 }),
    defaultEmbeddings({
      cacheDir: false,
      workers: 1,
      lexicalWeight: 0.1,
      topicWeight: 0,
      subjectWeight: 0.3,
      lexicalDimensions: 256,
    }),
    defaultEmbeddings({ cacheDir: false, workers: 1, lexicalWeight: 0, topicWeight: 0, subjectWeight: 0.2 }),
  ];
  try {
    const [input] = await fitted.embedDocuments([text]);
    const p = MathSubjectHead.shipped().probabilities(input as number[]);
    const norm = Math.hypot(...p);
    const expected = Array.from(p, (x) => x / norm);
    t.is(MATH_SUBJECTS[p.indexOf(Math.max(...p))], "Number Theory");
    for (const embeddings of compositions) {
      const [v] = await embeddings.embedDocuments([text]);
      const part = (v as number[]).slice(-7);
      const partNorm = Math.hypot(...part);
      for (const [i, x] of part.entries()) {
        t.true(Math.abs(x / partNorm - (expected[i] as number)) < 1e-6, `subject ${i}`);
      }
    }
  } finally {
    await Promise.all([fitted, ...compositions].map((e) => e.close()));
  }
});

test("a damaged or mismatched weights file is a ConfigError saying how to fix it", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "lanpo-head-"));
  try {
    const weights = readFileSync(repo("memory/data/math-subject-head.bin"));
    const damaged = Buffer.from(weights);
    damaged[100] = (damaged[100] as number) ^ 0xff;
    writeFileSync(join(dir, "damaged.bin"), damaged);
    writeFileSync(join(dir, "head.json"), JSON.stringify(manifest));
    const error = t.throws(() => MathSubjectHead.fromFiles(join(dir, "damaged.bin"), join(dir, "head.json")));
    t.true(ConfigError.isInstance(error));
    t.regex(String(error?.message), /sha256.*reinstall @lanpo\/memory or rerun scripts\/train-subject-head\.ts/);

    const short = weights.subarray(0, weights.length - 28);
    writeFileSync(join(dir, "short.bin"), short);
    const sha = createHash("sha256").update(short).digest("hex");
    writeFileSync(join(dir, "short.json"), JSON.stringify({ ...manifest, weightsSha256: sha }));
    const shape = t.throws(() => MathSubjectHead.fromFiles(join(dir, "short.bin"), join(dir, "short.json")));
    t.regex(String(shape?.message), /7 subjects × \(1 \+ 1570 inputs\) expected/);
    writeFileSync(join(dir, "broken.json"), "{ not json");
    const unreadable = t.throws(() => MathSubjectHead.fromFiles(join(dir, "short.bin"), join(dir, "broken.json")));
    t.true(ConfigError.isInstance(unreadable));
    t.regex(String(unreadable?.message), /math-subject-head\.json.*cannot be read/);
    writeFileSync(join(dir, "old.json"), JSON.stringify({ ...manifest, format: 2 }));
    const other = t.throws(() => MathSubjectHead.fromFiles(join(dir, "short.bin"), join(dir, "old.json")));
    t.regex(String(other?.message), /not a format-1 manifest/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a head refuses weights of the wrong shape and inputs of the wrong length", (t) => {
  const two = ["a", "b"];
  t.throws(() => new MathSubjectHead(["a"], new Float32Array(1), new Float32Array(1)), { message: /at least 2/ });
  t.throws(() => new MathSubjectHead(two, new Float32Array(3), new Float32Array(4)), { message: /one per subject/ });
  t.throws(() => new MathSubjectHead(two, new Float32Array(2), new Float32Array(5)), {
    message: /whole number of rows/,
  });
  const head = new MathSubjectHead(two, Float32Array.of(0, 0), Float32Array.of(1, -1, 0, 0));
  t.is(head.inputDimensions, 2);
  t.throws(() => head.probabilities([1, 2, 3]), { message: /has 3 dimensions; the head reads 2/ });
  const [a, b] = head.probabilities([2, 5]);
  t.true((a as number) > 0.98 && Math.abs((a as number) + (b as number) - 1) < 1e-12);
});

test("softmax stays finite on logits far from zero", (t) => {
  const p = softmaxInPlace(Float64Array.of(1000, 999, -1000));
  t.true(p.every(Number.isFinite));
  t.true(Math.abs((p[0] as number) / (p[1] as number) - Math.E) < 1e-9);
  t.is(p[2], 0);
});
