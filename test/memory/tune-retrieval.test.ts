import { ConfigError, DatasetError } from "@lanpo/core";
import test from "ava";
import { parseLabelledDataset } from "../../memory/src/tune/labelled-dataset.ts";
import { tunePlotSvg } from "../../memory/src/tune/tune-plot.ts";
import { tuneRetrieval } from "../../memory/src/tune/tune-retrieval.ts";
import { formatTuneTable } from "../../memory/src/tune/tune-table.ts";
import { TableEmbeddings } from "./hnsw-store-helpers.ts";

// Two labels; each item's nearest neighbour has its label, the other label is further away.
const embeddings = new TableEmbeddings(3, {
  a1: [1, 0.1, 0],
  a2: [1, 0.2, 0],
  b1: [0, 1, 0.1],
  b2: [0, 1, 0.3],
});
const dataset = { texts: ["a1", "a2", "b1", "b2"], labels: ["A", "A", "B", "B"] };
/** A clock that advances 1 ms per reading, one per test. */
function ticking(): () => number {
  let clock = 0;
  return () => (clock += 1);
}

test("leave-one-out figures are computed as defined", async (t) => {
  const report = await tuneRetrieval(dataset, {
    embeddings,
    grid: { k: [1, 3], minScore: [-1, 0.5, 0.999], efSearch: [16] },
    now: ticking(),
  });
  t.is(report.items, 4);
  t.is(report.labels, 2);
  t.true(Math.abs(report.chancePrecision - 1 / 3) < 1e-9);
  const row = (k: number, minScore: number) => report.rows.find((r) => r.k === k && r.minScore === minScore)!;
  t.like(row(1, -1), { precision: 1, recall: 1, abstention: 0 });
  // k=3 returns all three others: one relevant of three; recall is capped by what exists (1).
  t.true(Math.abs((row(3, -1).precision ?? 0) - 1 / 3) < 1e-9);
  t.is(row(3, -1).recall, 1);
  // 0.5 drops the other label: only the same-label neighbour is left.
  t.like(row(3, 0.5), { precision: 1, recall: 1, abstention: 0 });
  // Nothing is that similar: everyone abstains, precision is undefined.
  t.like(row(1, 0.999), { precision: null, recall: 0, abstention: 1, tradeOff: 0 });
  t.is(row(1, -1).medianLatencyMs, 1, "latency comes from the injected clock");
  t.is(report.rows.filter((r) => r.best).length, 1);
  t.true(report.best.tradeOff >= Math.max(...report.rows.map((r) => r.tradeOff)) - 0.005);
  t.is(report.best.k, 1, "ties on trade-off and latency go to the smaller k");
  t.is(report.best.precision, 1);
});

test("the default minScore grid adapts to the embedding's scores", async (t) => {
  const report = await tuneRetrieval(dataset, { embeddings, grid: { k: [1], efSearch: [16] } });
  t.is(report.grid.minScore[0], -1);
  t.true(report.grid.minScore.length >= 2);
  t.true(report.grid.minScore.slice(1).every((x) => x > 0.9 && x <= 1));
});

test("bad grids and options are ConfigErrors", async (t) => {
  for (const grid of [{ k: [0] }, { k: [] }, { efSearch: [1.5] }, { minScore: [2] }]) {
    const error = await t.throwsAsync(tuneRetrieval(dataset, { embeddings, grid }));
    t.true(ConfigError.isInstance(error), JSON.stringify(grid));
  }
  await t.throwsAsync(tuneRetrieval(dataset, { embeddings, beta: 0 }), { instanceOf: ConfigError });
  await t.throwsAsync(tuneRetrieval({ texts: ["x"], labels: ["y"] }, { embeddings }), { instanceOf: ConfigError });
});

test("table and SVG show every row and mark the best", async (t) => {
  const report = await tuneRetrieval(dataset, {
    embeddings,
    grid: { k: [1, 3], minScore: [-1, 0.5], efSearch: [16, 32] },
    now: ticking(),
  });
  const table = formatTuneTable(report);
  t.is(table.split("\n").filter((l) => l.trimStart().startsWith("*")).length, 2, "one marked row plus the legend line");
  t.regex(table, /best trade-off: k=1/);
  const svg = tunePlotSvg(report);
  t.true(svg.startsWith("<svg"));
  t.regex(svg, /k = 1/);
  t.regex(svg, /k = 3/);
  t.regex(svg, /best trade-off/);
  t.notRegex(svg, /NaN|undefined/);
});

test("labelled datasets: bad lines are named by line number", (t) => {
  const fields = { textField: "problem", labelField: "subject" };
  const good = parseLabelledDataset(
    "d.jsonl",
    '{"problem":"x","subject":"A"}\n\n{"problem":"y","subject":3}\n',
    fields,
  );
  t.deepEqual(good, { texts: ["x", "y"], labels: ["A", "3"] });
  for (const [content, line, pattern] of [
    ['{"problem":"x","subject":"A"}\n{oops', 2, /not valid JSON/],
    ['{"problem":"x","subject":"A"}\n[1,2]', 2, /JSON object/],
    ['{"problem":"x","subject":"A"}\n{"problem":"","subject":"A"}', 2, /--text-field/],
    ['{"problem":"x","subject":"A"}\n{"problem":"y"}', 2, /--label-field/],
    ['{"problem":"x","subject":"A"}\n\n{"problem":"y","subject":null}', 3, /subject/],
  ] as const) {
    const error = t.throws(() => parseLabelledDataset("d.jsonl", content, fields));
    t.true(DatasetError.isInstance(error));
    t.is((error as DatasetError).line, line);
    t.regex(error?.message ?? "", pattern);
  }
  t.throws(() => parseLabelledDataset("d.jsonl", '{"problem":"x","subject":"A"}', fields), { message: /at least 2/ });
});
