import type { TuneReport } from "./tune-retrieval.js";

/** The tuning table as aligned text, the best row marked with `*`. */
export function formatTuneTable(report: TuneReport): string {
  const header = ["", "k", "minScore", "efSearch", "precision", "recall", "abstain", "tradeOff", "median ms", "p95 ms"];
  const rows = report.rows.map((r) => [
    r.best ? "*" : "",
    String(r.k),
    r.minScore === -1 ? "none" : r.minScore.toFixed(2),
    String(r.efSearch),
    r.precision === null ? "-" : r.precision.toFixed(3),
    r.recall.toFixed(3),
    r.abstention.toFixed(3),
    r.tradeOff.toFixed(3),
    r.medianLatencyMs.toFixed(3),
    r.p95LatencyMs.toFixed(3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join("  ");
  const best = report.best;
  return [
    `${report.items} items, ${report.labels} labels, chance precision ${report.chancePrecision.toFixed(3)}`,
    format(header),
    ...rows.map(format),
    `* best trade-off: k=${best.k}, minScore=${best.minScore === -1 ? "none" : best.minScore}, efSearch=${best.efSearch} ` +
      `(precision ${best.precision?.toFixed(3) ?? "-"}, abstention ${best.abstention.toFixed(3)}); ${report.definitions.best}; tradeOff = ${report.definitions.tradeOff}`,
  ].join("\n");
}
