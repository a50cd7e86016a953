// @lanpo/verify against a plain Compute Engine verifier, measured in the same run:
// agreement on test/fixtures/equiv_visible.jsonl and on the cases ported from the public graders'
// test suites (test/fixtures/verify/*.jsonl), per source suite and per category, and time per
// pair (plain numbers; all vectors).
// The red team's hand-written cases (test/fixtures/red-team-completions*.jsonl) are a row set of
// their own, per batch and per category.
// Targets (issues 3 and 12): agreement >= 98%; median <= 0.2 ms per pair of plain numbers; median
// <= 2 ms per pair overall; no pair over the 1 s time guard.
import { readdirSync, readFileSync } from "node:fs";
import { expand, getDefaultEngine } from "@cortex-js/compute-engine";
import { isEquivalent } from "@lanpo/verify";
import { RED_TEAM_FILES, type RedTeamCase, readRedTeamCases } from "../test/fixtures/red-team-cases.js";

interface Vector {
  gold: string;
  pred: string;
  equal: boolean;
}

const vectors = readFileSync(new URL("../test/fixtures/equiv_visible.jsonl", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as Vector);

/** A ported case: what its source test asserts, with the suite (file) and category it came from. */
interface SuiteCase {
  gold: unknown;
  pred: unknown;
  expected: boolean;
  category: string;
  suite: string;
  config?: unknown;
}

const suiteDir = new URL("../test/fixtures/verify/", import.meta.url);
const suiteCases: SuiteCase[] = readdirSync(suiteDir)
  .filter((f) => f.endsWith(".jsonl"))
  .sort()
  .flatMap((f) =>
    readFileSync(new URL(f, suiteDir), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => ({ ...(JSON.parse(l) as Omit<SuiteCase, "suite">), suite: f.replace(/\.jsonl$/, "") })),
  );
/**
 * The red team's cases (test/fixtures/red-team-completions*.jsonl): written by hand in the kinds
 * of issue 12, each verdict decided from the mathematics, not from the code; a case may name
 * the options it runs under (`listOrder`, `setsMatchTuples`).
 */
const redTeamCases: (RedTeamCase & { batch: string })[] = RED_TEAM_FILES.flatMap((f) =>
  readRedTeamCases(f).map((c) => ({ ...c, batch: f.replace(/\.jsonl$/, "") })),
);

/** Sources store numbers and nulls as such; the plain baseline reads strings. */
const asText = (v: unknown): string => (typeof v === "string" ? v : v === null || v === undefined ? "" : String(v));

// ---- The baseline: last \boxed{} or $…$, a thin normaliser, isEqual, expanded difference, numbers.
// The default engine, so that the free function `expand` works on the same engine's expressions.
const ce = getDefaultEngine();

function plainExtract(text: string): string {
  const i = text.lastIndexOf("\\boxed{");
  if (i >= 0) {
    let depth = 0;
    for (let j = i + 6; j < text.length; j++) {
      if (text[j] === "{") depth++;
      else if (text[j] === "}" && --depth === 0) return text.slice(i + 7, j);
    }
  }
  const m = /\$([^$]+)\$[^$]*$/.exec(text);
  return m ? (m[1] as string) : text;
}

function plainNormalize(s: string): string {
  return s
    .replace(/\\left|\\right/g, "")
    .replace(/\\[dt]frac/g, "\\frac")
    .replace(/\\text\{([^}]*)\}/g, "$1")
    .replace(/\$/g, "")
    .replace(/[.\s]+$/, "")
    .trim();
}

function plainVerify(gold: string, pred: string): boolean {
  try {
    return ce.withTimeLimit(1000, () => {
      const a = ce.parse(plainNormalize(plainExtract(gold)));
      const b = ce.parse(plainNormalize(plainExtract(pred)));
      if (a.isEqual(b) === true) return true;
      const diff = expand(a.sub(b)).simplify();
      if (diff.is(0)) return true;
      const x = a.N().re;
      const y = b.N().re;
      return (
        Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= 1e-4 * Math.max(Math.abs(x), Math.abs(y), 1e-12)
      );
    });
  } catch {
    return false;
  }
}

// ---- Measurement helpers.
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function timePairs(
  pairs: Array<[string, string]>,
  verify: (g: string, p: string) => unknown,
  rounds: number,
): number[] {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [g, p] of pairs) {
      const t = performance.now();
      verify(g, p);
      times.push(performance.now() - t);
    }
  }
  return times.sort((a, b) => a - b);
}

function agreement(verify: (g: string, p: string) => boolean): { agree: number; failing: number[] } {
  const failing: number[] = [];
  vectors.forEach((v, i) => {
    if (verify(v.gold, v.pred) !== v.equal) failing.push(i + 1);
  });
  return { agree: (vectors.length - failing.length) / vectors.length, failing };
}

// Plain-number pairs: integers, decimals, thousands separators, fractions written as decimals.
let seed = 7;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const numberPairs: Array<[string, string]> = Array.from({ length: 1000 }, (_, i) => {
  const n = Math.floor(rand() * 1e6);
  switch (i % 4) {
    case 0:
      return [String(n), String(n)];
    case 1:
      return [String(n), n.toLocaleString("en-US")];
    case 2:
      return [(n / 100).toFixed(2), String(n / 100)];
    default:
      return [String(n), String(n + 1)];
  }
});
const vectorPairs: Array<[string, string]> = vectors.map((v) => [v.gold, v.pred]);

const ours = (g: string, p: string) => isEquivalent(g, p).equal;

// Warm both up once (JIT, Compute Engine's worker start-up) so the timings are steady state.
for (const [g, p] of vectorPairs) {
  ours(g, p);
  plainVerify(g, p);
}
await new Promise((r) => setTimeout(r, 3000));
for (const [g, p] of vectorPairs) ours(g, p);

const ag = agreement(ours);
const bg = agreement(plainVerify);

interface Tally {
  n: number;
  ours: number;
  plain: number;
}
const bySuite = new Map<string, Tally>();
const byCategory = new Map<string, Tally>();
const suiteMisses: string[] = [];
const suiteTimes: number[] = [];
for (const c of suiteCases) {
  const t0 = performance.now();
  const mine = isEquivalent(c.gold, c.pred).equal === c.expected;
  suiteTimes.push(performance.now() - t0);
  const theirs = plainVerify(asText(c.gold), asText(c.pred)) === c.expected;
  if (!mine) suiteMisses.push(`${c.suite}/${c.category}${c.config ? ` ${JSON.stringify(c.config)}` : ""}`);
  for (const [map, key] of [
    [bySuite, c.suite],
    [byCategory, `${c.suite}: ${c.category}`],
  ] as const) {
    const t = map.get(key) ?? { n: 0, ours: 0, plain: 0 };
    t.n++;
    if (mine) t.ours++;
    if (theirs) t.plain++;
    map.set(key, t);
  }
}
const redTeamByBatch = new Map<string, Tally>();
const redTeamByCategory = new Map<string, Tally>();
const redTeamMisses: string[] = [];
const redTeamTimes: number[] = [];
redTeamCases.forEach((c) => {
  const t0 = performance.now();
  const mine = isEquivalent(c.gold, c.pred, c.options).equal === c.expected;
  redTeamTimes.push(performance.now() - t0);
  // The plain baseline has no options: it is scored against the same verdicts regardless.
  const theirs = plainVerify(c.gold, c.pred) === c.expected;
  if (!mine) redTeamMisses.push(`${c.batch}/${c.category}: ${JSON.stringify(c.gold)}`);
  for (const [map, key] of [
    [redTeamByBatch, c.batch],
    [redTeamByCategory, c.category],
  ] as const) {
    const t = map.get(key) ?? { n: 0, ours: 0, plain: 0 };
    t.n++;
    if (mine) t.ours++;
    if (theirs) t.plain++;
    map.set(key, t);
  }
});
redTeamTimes.sort((a, b) => a - b);
suiteTimes.sort((a, b) => a - b);
const oursNumbers = timePairs(numberPairs, ours, 5);
const baseNumbers = timePairs(numberPairs, plainVerify, 1);
const oursVectors = timePairs(vectorPairs, ours, 10);
const baseVectors = timePairs(vectorPairs, plainVerify, 2);
const overGuard =
  oursVectors.filter((t) => t > 1000).length +
  suiteTimes.filter((t) => t > 1000).length +
  redTeamTimes.filter((t) => t > 1000).length;
const allTimes = [...oursVectors, ...suiteTimes, ...redTeamTimes].sort((a, b) => a - b);

const ms = (x: number) => `${x.toFixed(3)} ms`;
const row = (name: string, a: string, b: string, ratio: string, target: string) =>
  console.log(`${name.padEnd(34)}${a.padStart(14)}${b.padStart(16)}${ratio.padStart(14)}   ${target}`);

console.log(
  `@lanpo/verify vs a plain Compute Engine verifier (${vectors.length} visible vectors, ${numberPairs.length} number pairs)`,
);
console.log("(shared machine: timings are noisy; agreement is exact)\n");
row("", "@lanpo/verify", "plain CE", "ratio", "target");
row(
  "agreement, visible vectors",
  `${(ag.agree * 100).toFixed(1)}%`,
  `${(bg.agree * 100).toFixed(1)}%`,
  `${(ag.agree / bg.agree).toFixed(2)}x`,
  ">= 98%",
);
row(
  "median, plain-number pairs",
  ms(quantile(oursNumbers, 0.5)),
  ms(quantile(baseNumbers, 0.5)),
  `${(quantile(baseNumbers, 0.5) / quantile(oursNumbers, 0.5)).toFixed(1)}x faster`,
  "<= 0.2 ms",
);
row(
  "median, visible vectors",
  ms(quantile(oursVectors, 0.5)),
  ms(quantile(baseVectors, 0.5)),
  `${(quantile(baseVectors, 0.5) / quantile(oursVectors, 0.5)).toFixed(1)}x faster`,
  "<= 2 ms",
);
row(
  "p95, visible vectors",
  ms(quantile(oursVectors, 0.95)),
  ms(quantile(baseVectors, 0.95)),
  `${(quantile(baseVectors, 0.95) / quantile(oursVectors, 0.95)).toFixed(1)}x faster`,
  "",
);
row("max, visible vectors", ms(quantile(oursVectors, 1)), ms(quantile(baseVectors, 1)), "", "< 1000 ms (time guard)");
row("median, all pairs (ours)", ms(quantile(allTimes, 0.5)), "", "", "<= 2 ms");
row("max, ported suites (ours)", ms(quantile(suiteTimes, 1)), "", "", "< 1000 ms (time guard)");
row("median, red-team cases (ours)", ms(quantile(redTeamTimes, 0.5)), "", "", "<= 2 ms");
row("max, red-team cases (ours)", ms(quantile(redTeamTimes, 1)), "", "", "< 1000 ms (time guard)");

const pct = (a: number, n: number) => `${((100 * a) / n).toFixed(1)}%`;
const tallyRow = (name: string, t: Tally) =>
  console.log(
    `${name.padEnd(58)}${String(t.n).padStart(5)}${pct(t.ours, t.n).padStart(10)}${pct(t.plain, t.n).padStart(10)}`,
  );
const total = [...bySuite.values()].reduce(
  (a, t) => ({ n: a.n + t.n, ours: a.ours + t.ours, plain: a.plain + t.plain }),
  {
    n: 0,
    ours: 0,
    plain: 0,
  },
);
console.log(`\nagreement with what each source test asserts, per suite (default options)`);
console.log(`${"suite".padEnd(58)}${"cases".padStart(5)}${"ours".padStart(10)}${"plain CE".padStart(10)}`);
for (const [k, t] of bySuite) tallyRow(k, t);
tallyRow("all ported and written cases", total);
console.log(`\nper category`);
for (const [k, t] of [...byCategory].sort(([a], [b]) => a.localeCompare(b))) tallyRow(k, t);
console.log(
  "\n(lanpo-completions was written alongside the code it measures: read it as a regression figure, not a held-out one)",
);
console.log(`cases where ours disagrees: ${suiteMisses.join("; ") || "none"}`);

console.log(
  "\nred-team cases: written by hand by a red team in the kinds of issue 12, verdicts decided from the mathematics, not from the code",
);
console.log(
  "(each batch was measured once before the fixes it led to: batch 1 93.9%, batch 2 (written after batch 1's fixes) 96.1%,",
);
console.log(
  " batch 3 (written after batch 2's) 93.3%, batch 4 (probes of the rules added for 1-3) 81.6%, batch 5 91.7%, batch 6 (reasoning-model",
);
console.log(
  " completions, units, degrees, percents, intervals, six languages) 98.9%, batch 7 (probes of batch 6's rules and",
);
console.log(
  " their neighbours: set-builder sets, R - {2}) 90.6%, batch 8 97.6%, batch 9 (long whole completions) 90.6%,",
);
console.log(
  " batch 10 87.9%, batch 11 88.6%, batch 12 (loops cut off, other groupings) 73.3%, batch 13 (written blind, every kind) 97.1%. After its fixes a batch is a",
);
console.log(" regression figure, not a held-out one: the reviewers' set is.)");
console.log(`${"set".padEnd(58)}${"cases".padStart(5)}${"ours".padStart(10)}${"plain CE".padStart(10)}`);
for (const [k, t] of redTeamByBatch) tallyRow(k, t);
tallyRow(
  "all red-team cases",
  [...redTeamByBatch.values()].reduce((a, t) => ({ n: a.n + t.n, ours: a.ours + t.ours, plain: a.plain + t.plain }), {
    n: 0,
    ours: 0,
    plain: 0,
  }),
);
console.log("\nred-team cases per category");
for (const [k, t] of [...redTeamByCategory].sort(([a], [b]) => a.localeCompare(b))) tallyRow(`red team: ${k}`, t);
console.log(`red-team cases where ours disagrees: ${redTeamMisses.join("; ") || "none"}`);
console.log(`\npairs over the 1 s guard (ours): ${overGuard}`);
console.log(`lines where ours disagrees: ${ag.failing.join(", ") || "none"}`);
console.log(`lines where plain CE disagrees: ${bg.failing.length}`);
const pass =
  ag.agree >= 0.98 &&
  quantile(oursNumbers, 0.5) <= 0.2 &&
  quantile(oursVectors, 0.5) <= 2 &&
  quantile(allTimes, 0.5) <= 2 &&
  overGuard === 0;
console.log(pass ? "\nall targets met" : "\nTARGET MISSED");
