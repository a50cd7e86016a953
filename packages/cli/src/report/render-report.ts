import type { FeedbackKind } from "@lanpo/core";
import { FEEDBACK_KINDS } from "@lanpo/core";
import { escapeHtml } from "./escape-html.js";
import { fmt3, htmlPage, htmlTable, renderFigures } from "./html-page.js";
import type { LessonUsage } from "./lesson-usage.js";
import { reportCharts } from "./report-charts.js";
import type { RunSummary, StepMetrics } from "./run-metrics.js";

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
  /** Latency of every answered rollout, for the distribution plot. @default none */
  latencies?: readonly { feedback: FeedbackKind; latencyMs: number }[];
  /** The most used lessons, for the lesson table. @default none */
  lessons?: readonly LessonUsage[];
}

/**
 * Renders the run report: one self-contained HTML page (no script, nothing loaded from anywhere)
 * whose plots are Vega-Lite specs rendered to inline SVG now, in Node: mean reward by feedback
 * kind (point size: rollouts behind it), zero-variance groups, retrieval, lessons, leakage blocks,
 * feedback tokens, latency and the policy version; then the summary, per-step, lesson and settings
 * tables. Steps are numbered from 0, as in `events.jsonl`, the pool and the console.
 */
export async function renderReport(input: ReportInput): Promise<string> {
  const { summary, steps } = input;
  const charts = reportCharts({ steps, latencies: input.latencies ?? [] });
  const totals: [string, string | number][] = [
    ["steps", summary.steps],
    ["groups", summary.groups],
    ["rollouts", summary.rollouts],
    ["failed rollouts", summary.failedRollouts],
    ["bad replies (scored 0)", summary.badReplies],
    ["mean reward", fmt3(summary.meanReward)],
    ["leakage blocks", summary.leakageBlocks],
    ["lessons in memory", summary.lessons],
    ["lessons merged", summary.lessonsMerged],
    ["replies with no readable lesson", summary.lessonsUnparsed],
    ["retrieval hits / abstentions", `${summary.retrievalHits} / ${summary.retrievalAbstentions}`],
    ["mean similarity retrieved", fmt3(summary.retrievalMeanScore)],
    ["policy version first → last", `${summary.firstPolicyVersion ?? "–"} → ${summary.lastPolicyVersion ?? "–"}`],
  ];
  const stepRows = steps.map((s) => [
    s.step,
    s.rollouts,
    s.failedRollouts,
    fmt3(s.meanReward),
    ...FEEDBACK_KINDS.map((k) => `${fmt3(s.byFeedback[k])} (${s.scoredByFeedback[k]})`),
    `${s.zeroVarianceGroups}/${s.groups}`,
    `${s.retrieval.hits}/${s.retrieval.abstentions}`,
    `${s.lessons.added}/${s.lessons.merged}/${s.lessons.rejected}/${s.lessons.unparsed}`,
    s.leakageBlocks,
    s.policyVersion ?? "–",
  ]);
  const lessons = input.lessons ?? [];
  const lessonTable =
    lessons.length === 0
      ? `<p class="muted">No lesson was retrieved into a context in this run.</p>`
      : htmlTable(
          ["lesson", "uses", "mean advantage", "mean reward", "id"],
          lessons.map((l) => [
            l.text ?? "(text not in memory/)",
            l.uses,
            fmt3(l.meanAdvantage),
            fmt3(l.meanReward),
            l.id,
          ]),
          0,
        );
  const configRows = Object.entries(input.config).map(([k, v]) => [k, JSON.stringify(v)]);
  const notices = (input.notices ?? []).map((n) => `<div class="notice">${escapeHtml(n)}</div>`).join("");
  const body = `<h1>${escapeHtml(input.title)}</h1><div class="muted">written ${escapeHtml(input.generatedAt)}; steps are numbered from 0, as on the console and in events.jsonl</div>${notices}
${await renderFigures(charts)}
<h2>Summary</h2><div class="tables">${htmlTable([], totals)}${htmlTable(
    ["feedback", "mean reward"],
    FEEDBACK_KINDS.map((k) => [k, fmt3(summary.byFeedback[k])]),
  )}</div>
<h2>Most used lessons</h2>${lessonTable}
<h2>Per step</h2>${htmlTable(
    [
      "step",
      "rollouts",
      "failed",
      "reward",
      ...FEEDBACK_KINDS.map((k) => `${k} (n)`),
      "zero-var groups",
      "hits/abst.",
      "lessons +/merged/rejected/unparsed",
      "leak blocks",
      "policy",
    ],
    stepRows,
  )}
<h2>Settings</h2>${htmlTable([], configRows)}`;
  return htmlPage(input.title, body);
}
