// Fits the math-subject head that defaultEmbeddings() ships (memory/data/math-subject-head.*) on the
// subjects of MATH's training split (scripts/data/math-train-subjects.jsonl, provenance beside it),
// and nothing else. Its input is the vector of defaultEmbeddings({ lexicalWeight: 0.25, topicWeight:
// 0.25, subjectWeight: 0 }), the composition before the head existed.
//
// Every choice is made on a held-out fifth of the training split, never on an evaluation set:
//   - the L2 penalty: the best subject accuracy on the fifth, with the head fitted on the rest;
//   - the subject part's share of the vector (`subjectWeight`, printed, set by hand in
//     default-embeddings.ts): the smallest share whose leave-one-out precision@5 on the fifth is
//     within 0.005 of the best share's.
//
//   node --import tsx --conditions=source scripts/train-subject-head.ts [--out memory/data] [--cache-dir DIR]
// About 5 minutes on two cores (embedding 7,500 problems, then five fits); prints progress.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { precisionAtK } from "../bench/fixtures/labelled-sets.js";
import { defaultEmbeddings } from "../memory/src/embeddings/default-embeddings.js";
import {
  MATH_SUBJECTS,
  MathSubjectHead,
  type MathSubjectHeadManifest,
} from "../memory/src/embeddings/math-subject-head.js";
import { fitSoftmax, type SoftmaxModel } from "./subject-head/fit-softmax.js";
import { readSubjectRows } from "./subject-head/read-subject-rows.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
};
const outDir = join(root, arg("out", "memory/data"));
const cacheDir = arg("cache-dir", "");
const DATA = "scripts/data/math-train-subjects.jsonl";
const L2_GRID = [1e-6, 1e-5, 1e-4];
const WEIGHT_GRID = [0.25, 0.35, 0.5, 0.65];
const HELD_OUT = 1500;
const SEED = 20261202;

const file = readFileSync(join(root, DATA));
const rows = readSubjectRows(file.toString("utf8"), DATA, MATH_SUBJECTS);
const labels = Int32Array.from(rows, (r) => r.subject);
console.log(`${rows.length} problems of ${DATA}; embedding them (cached by text)`);

const embeddings = defaultEmbeddings({
  lexicalWeight: 0.25,
  topicWeight: 0.25,
  subjectWeight: 0,
  ...(cacheDir === "" ? {} : { cacheDir }),
});
let embedded = 0;
const vectors: number[][] = [];
const chunk = 500;
for (let i = 0; i < rows.length; i += chunk) {
  vectors.push(...(await embeddings.embedDocuments(rows.slice(i, i + chunk).map((r) => r.problem))));
  embedded = Math.min(rows.length, i + chunk);
  process.stdout.write(`\r  embedded ${embedded} / ${rows.length}`);
}
await embeddings.close();
process.stdout.write("\n");
const d = embeddings.dimensions;
const X = new Float32Array(rows.length * d);
for (const [i, v] of vectors.entries()) X.set(v, i * d);

// A seeded shuffle (mulberry32), so the held-out fifth is the same on every run.
let state = SEED;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const order = rows.map((_, i) => i);
for (let i = order.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [order[i], order[j]] = [order[j] as number, order[i] as number];
}
const heldOut = order.slice(0, HELD_OUT);
const fitted = order.slice(HELD_OUT);

const headOf = (model: SoftmaxModel) => new MathSubjectHead(MATH_SUBJECTS, model.bias, model.weights);
const fitOn = (subset: readonly number[], l2: number, what: string) =>
  fitSoftmax(X, d, labels, MATH_SUBJECTS.length, subset, {
    l2,
    onProgress: (t, loss) => process.stdout.write(`\r  ${what}: iteration ${t}, loss ${loss.toFixed(4)}`),
  });
const accuracy = (head: MathSubjectHead, subset: readonly number[]) => {
  let right = 0;
  for (const r of subset) {
    const p = head.probabilities(X.subarray(r * d, (r + 1) * d));
    if (p.indexOf(Math.max(...p)) === labels[r]) right++;
  }
  return right / subset.length;
};

console.log(`choosing the L2 penalty: fit on ${fitted.length}, subject accuracy on the held-out ${heldOut.length}`);
let best = { l2: 0, accuracy: -1, model: undefined as SoftmaxModel | undefined };
for (const l2 of L2_GRID) {
  const model = fitOn(fitted, l2, `l2 ${l2}`);
  const a = accuracy(headOf(model), heldOut);
  process.stdout.write(`\r  l2 ${l2}: held-out accuracy ${a.toFixed(3)}${" ".repeat(30)}\n`);
  if (a > best.accuracy) best = { l2, accuracy: a, model };
}

console.log("choosing subjectWeight: leave-one-out precision@5 on the held-out fifth (subjects as labels)");
const heldHead = headOf(best.model as SoftmaxModel);
const heldLabels = heldOut.map((r) => MATH_SUBJECTS[labels[r] as number] as string);
const withSubjects = (w: number) =>
  heldOut.map((r) => {
    const v = X.subarray(r * d, (r + 1) * d);
    const p = heldHead.probabilities(v);
    const norm = Math.hypot(...p);
    return [...Array.from(v, (x) => x * Math.sqrt(1 - w)), ...Array.from(p, (x) => (x / norm) * Math.sqrt(w))];
  });
const precisions = WEIGHT_GRID.map((w) => ({ w, p: precisionAtK(withSubjects(w), heldLabels, 5).mean }));
const bestPrecision = Math.max(...precisions.map((x) => x.p));
const chosen = precisions.find((x) => x.p >= bestPrecision - 0.005) as { w: number; p: number };
console.log(`  without the subject part: ${precisionAtK(withSubjects(0), heldLabels, 5).mean.toFixed(3)}`);
for (const { w, p } of precisions)
  console.log(`  subjectWeight ${w}: ${p.toFixed(3)}${w === chosen.w ? "   <- chosen" : ""}`);

const final = fitOn(order, best.l2, `final fit on all ${rows.length}`);
process.stdout.write("\n");
const bytes = Buffer.concat([Buffer.from(final.bias.buffer), Buffer.from(final.weights.buffer)]);
const manifest: MathSubjectHeadManifest = {
  format: 1,
  subjects: MATH_SUBJECTS,
  inputDimensions: d,
  weightsSha256: createHash("sha256").update(bytes).digest("hex"),
  training: {
    script: "scripts/train-subject-head.ts",
    data: DATA,
    dataSha256: createHash("sha256").update(file).digest("hex"),
    rows: rows.length,
    input: "defaultEmbeddings({ lexicalWeight: 0.25, topicWeight: 0.25, subjectWeight: 0 })",
    l2: best.l2,
    heldOutRows: heldOut.length,
    heldOutAccuracy: Number(best.accuracy.toFixed(4)),
    heldOutPrecisionAt5: Object.fromEntries(precisions.map(({ w, p }) => [String(w), Number(p.toFixed(4))])),
    subjectWeight: chosen.w,
  },
};
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "math-subject-head.bin"), bytes);
writeFileSync(join(outDir, "math-subject-head.json"), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(
  `wrote ${join(outDir, "math-subject-head.bin")} (${bytes.length} bytes) and its manifest; subjectWeight ${chosen.w}`,
);
