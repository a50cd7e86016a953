import type { TopLevelSpec } from "vega-lite";
import type { Comparison } from "./compare-runs.js";
import { comparisonRows, comparisonVerdict } from "./compare-table.js";
import { escapeHtml } from "./escape-html.js";
import { htmlPage, htmlTable, renderFigures } from "./html-page.js";
import type { ReportChart } from "./report-charts.js";
import type { StepMetrics } from "./run-metrics.js";

const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#e15759",
  "#b07aa1",
  "#76b7b2",
  "#edc948",
  "#9c755f",
  "#ff9da7",
  "#bab0ac",
];
const STEP_X = { field: "step", type: "ordinal", title: "step", axis: { labelAngle: 0 } } as const;

/** One metric per step, one line per run (colour), dashed by arm. */
function overlay(
  comparison: Comparison,
  id: string,
  title: string,
  yTitle: string,
  pick: (s: StepMetrics) => number | null,
): ReportChart {
  const labels = comparison.runs.map((r) => r.label);
  const values = comparison.runs.flatMap((r) =>
    r.data.steps.flatMap((s) => {
      const value = pick(s);
      return value === null ? [] : [{ step: s.step, series: r.label, arm: r.arm, value }];
    }),
  );
  const encoding = {
    x: STEP_X,
    y: { field: "value", type: "quantitative", title: yTitle },
    color: { field: "series", type: "nominal", title: null, sort: labels, scale: { domain: labels, range: PALETTE } },
    strokeDash: { field: "arm", type: "nominal", title: "arm" },
  };
  return {
    id,
    title,
    series: labels.filter((l) => values.some((v) => v.series === l)),
    rows: values.length,
    spec: {
      width: 560,
      height: 260,
      data: { values },
      mark: { type: "line", point: { filled: true }, strokeWidth: 2 },
      encoding,
    } as TopLevelSpec,
  };
}

/** Each arm's mean reward per step over its runs, with a band of ±1 standard deviation over seeds. */
function armBand(comparison: Comparison): ReportChart {
  const arms = comparison.arms.map((a) => a.arm);
  const values = comparison.runs.flatMap((r) =>
    r.data.steps.flatMap((s) => (s.meanReward === null ? [] : [{ step: s.step, series: r.arm, value: s.meanReward }])),
  );
  const color = { field: "series", type: "nominal", title: null, sort: arms, scale: { domain: arms, range: PALETTE } };
  return {
    id: "arm-reward",
    title: "Mean reward per step by arm (band: ±1 sd over seeds)",
    series: arms.filter((a) => values.some((v) => v.series === a)),
    rows: values.length,
    spec: {
      width: 560,
      height: 260,
      data: { values },
      layer: [
        {
          mark: { type: "errorband", extent: "stdev", opacity: 0.25 },
          encoding: { x: STEP_X, y: { field: "value", type: "quantitative", title: "mean reward" }, color },
        },
        {
          mark: { type: "line", point: { filled: true }, strokeWidth: 2 },
          encoding: { x: STEP_X, y: { aggregate: "mean", field: "value", type: "quantitative" }, color },
        },
      ],
    } as TopLevelSpec,
  };
}

/** The plots of `compare.html`, in page order. */
export function comparisonCharts(comparison: Comparison): ReportChart[] {
  return [
    armBand(comparison),
    overlay(comparison, "reward", "Mean reward per step, each run", "mean reward", (s) => s.meanReward),
    overlay(comparison, "zero-variance", "Share of groups with zero reward variance", "share of groups", (s) =>
      s.groups === 0 ? null : s.zeroVarianceGroups / s.groups,
    ),
    overlay(comparison, "retrieval", "Lesson retrieval hits per step", "hits", (s) => s.retrieval.hits),
    overlay(comparison, "lessons", "Lessons added per step", "lessons", (s) => s.lessons.added),
    overlay(
      comparison,
      "feedback-tokens",
      "Feedback tokens added per rollout",
      "tokens per rollout",
      (s) => s.feedbackTokensPerRollout,
    ),
    overlay(comparison, "latency", "Median rollout latency per step", "ms", (s) => s.latencyMs.median),
  ];
}

/** `compare.html`: the side-by-side table, the verdict and the overlaid plots, one self-contained page. */
export async function renderComparison(comparison: Comparison, options: { generatedAt: string }): Promise<string> {
  const title = `lanpo compare: ${comparison.arms.map((a) => `${a.arm} (${a.runs})`).join(" vs ")}`;
  const rows = comparisonRows(comparison);
  const body = `<h1>${escapeHtml(title)}</h1><div class="muted">written ${escapeHtml(options.generatedAt)}; steps are numbered from 0</div>
${comparisonVerdict(comparison)
  .map((line) => `<div class="${line.startsWith("warning") ? "notice" : "verdict"}">${escapeHtml(line)}</div>`)
  .join("")}
${await renderFigures(comparisonCharts(comparison))}
<h2>Side by side</h2>${htmlTable(["", ...comparison.runs.map((r) => r.label)], rows)}
<h2>Runs</h2>${htmlTable(
    ["run", "folder"],
    comparison.runs.map((r) => [r.label, r.data.folder.dir]),
  )}`;
  return htmlPage(title, body);
}
