import type { FeedbackKind } from "@lanpo/core";
import { FEEDBACK_KINDS } from "@lanpo/core";
import { escapeHtml } from "./escape-html.js";
import type { RunSummary, StepMetrics } from "./run-metrics.js";
import { svgChart } from "./svg-chart.js";

/** What `report.html` shows. */
export interface ReportInput {
  title: string;
  /** ISO time the report was written. */
  generatedAt: string;
  summary: RunSummary;
  steps: readonly StepMetrics[];
  /** Settings of the run, shown as a table. */
  config: Readonly<Record<string, unknown>>;
  /** Notices the run printed (e.g. the scripted policy saying it is for wiring, not results). */
  notices?: readonly string[];
}

export const FEEDBACK_COLORS: Record<FeedbackKind, string> = {
  scratch: "#4e79a7",
  reflection: "#f28e2b",
  abstraction: "#59a14f",
  both: "#b07aa1",
};

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1340px;padding:0 16px;color:#222}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.muted{color:#666}
.notice{background:#fff7e0;border:1px solid #e8c66a;padding:8px 12px;border-radius:6px;margin:10px 0}
.grid2{display:flex;flex-wrap:wrap;gap:16px}.card{border:1px solid #ddd;border-radius:8px;padding:8px;background:#fff}
table{border-collapse:collapse;margin:6px 0}td,th{border-bottom:1px solid #e4e4e4;padding:4px 12px;text-align:right}
th:first-child,td:first-child{text-align:left}svg .title{font-size:13px;font-weight:600}svg .tick,svg .legend{font-size:11px;fill:#444}
svg .axis{font-size:11px;fill:#666}svg .grid{stroke:#eee}svg .axisline{stroke:#999}code{font-size:12px}`;

const pct = (v: number | null) => (v === null ? "–" : v.toFixed(3));

/**
 * Renders the run report: one self-contained HTML page (no scripts, no external assets) with inline
 * SVG plots of reward by feedback kind, retrieval hits and abstentions, lessons and latency per
 * step, then the summary and the settings as tables.
 */
export function renderReport(input: ReportInput): string {
  const { summary, steps } = input;
  const x = steps.map((s) => s.step);
  const charts = [
    svgChart({
      title: "Mean reward per step, by feedback kind",
      x,
      yLabel: "mean reward",
      yMin: 0,
      yMax: Math.max(1, ...steps.flatMap((s) => FEEDBACK_KINDS.map((k) => s.byFeedback[k] ?? 0))),
      series: [
        ...FEEDBACK_KINDS.map((kind) => ({
          name: kind,
          color: FEEDBACK_COLORS[kind],
          values: steps.map((s) => s.byFeedback[kind]),
        })),
        { name: "all", color: "#333", values: steps.map((s) => s.meanReward), dashed: true },
      ],
    }),
    svgChart({
      title: "Lesson retrieval per step: hits vs abstentions",
      x,
      kind: "bar",
      yLabel: "queries",
      series: [
        { name: "hits", color: "#59a14f", values: steps.map((s) => s.retrieval.hits) },
        { name: "abstentions", color: "#bab0ac", values: steps.map((s) => s.retrieval.abstentions) },
      ],
    }),
    svgChart({
      title: "Lessons per step: added, merged, rejected",
      x,
      kind: "bar",
      yLabel: "lessons",
      series: [
        { name: "added", color: "#4e79a7", values: steps.map((s) => s.lessons.added) },
        { name: "merged", color: "#76b7b2", values: steps.map((s) => s.lessons.merged) },
        { name: "rejected", color: "#e15759", values: steps.map((s) => s.lessons.rejected) },
      ],
    }),
    svgChart({
      title: "Rollout latency per step",
      x,
      yLabel: "ms",
      series: [
        { name: "median", color: "#4e79a7", values: steps.map((s) => s.latencyMs.median) },
        { name: "p95", color: "#e15759", values: steps.map((s) => s.latencyMs.p95), dashed: true },
      ],
    }),
  ];
  const byKind = FEEDBACK_KINDS.map(
    (kind) => `<tr><td>${kind}</td><td>${pct(summary.byFeedback[kind])}</td></tr>`,
  ).join("");
  const totals: [string, string | number][] = [
    ["steps", summary.steps],
    ["groups", summary.groups],
    ["rollouts", summary.rollouts],
    ["failed rollouts", summary.failedRollouts],
    ["mean reward", pct(summary.meanReward)],
    ["leakage blocks", summary.leakageBlocks],
    ["lessons in memory", summary.lessons],
    ["lessons merged", summary.lessonsMerged],
    ["retrieval hits / abstentions", `${summary.retrievalHits} / ${summary.retrievalAbstentions}`],
  ];
  const stepRows = steps
    .map(
      (s) =>
        `<tr><td>${s.step}</td><td>${s.rollouts}</td><td>${s.failedRollouts}</td><td>${pct(s.meanReward)}</td>${FEEDBACK_KINDS.map((k) => `<td>${pct(s.byFeedback[k])}</td>`).join("")}<td>${s.retrieval.hits}/${s.retrieval.abstentions}</td><td>${s.lessons.added}/${s.lessons.merged}</td><td>${s.leakageBlocks}</td></tr>`,
    )
    .join("");
  const configRows = Object.entries(input.config)
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td><code>${escapeHtml(JSON.stringify(v))}</code></td></tr>`)
    .join("");
  const notices = (input.notices ?? []).map((n) => `<div class="notice">${escapeHtml(n)}</div>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(input.title)}</title><style>${STYLE}</style></head><body>
<h1>${escapeHtml(input.title)}</h1><div class="muted">written ${escapeHtml(input.generatedAt)}</div>${notices}
<div class="grid2">${charts.map((c) => `<div class="card">${c}</div>`).join("")}</div>
<h2>Summary</h2><div class="grid2"><table><tbody>${totals.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join("")}</tbody></table>
<table><thead><tr><th>feedback</th><th>mean reward</th></tr></thead><tbody>${byKind}</tbody></table></div>
<h2>Per step</h2><table><thead><tr><th>step</th><th>rollouts</th><th>failed</th><th>reward</th>${FEEDBACK_KINDS.map((k) => `<th>${k}</th>`).join("")}<th>hits/abst.</th><th>lessons +/merged</th><th>leak blocks</th></tr></thead><tbody>${stepRows}</tbody></table>
<h2>Settings</h2><table><tbody>${configRows}</tbody></table>
</body></html>
`;
}
