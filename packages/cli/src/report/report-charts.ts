import type { FeedbackKind } from "@lanpo/core";
import { FEEDBACK_KINDS } from "@lanpo/core";
import type { TopLevelSpec } from "vega-lite";
import type { StepMetrics } from "./run-metrics.js";

/** One plot of a report: a Vega-Lite spec and how many data rows it draws (0: "no data"). */
export interface ReportChart {
  /** Stable id, written as `data-chart` on the plot's figure (tests and links use it). */
  id: string;
  title: string;
  /** The series the plot should show, in legend order. */
  series: readonly string[];
  rows: number;
  spec: TopLevelSpec;
}

export const FEEDBACK_COLORS: Record<FeedbackKind, string> = {
  scratch: "#4e79a7",
  reflection: "#f28e2b",
  abstraction: "#59a14f",
  both: "#b07aa1",
};

/** What the per-run plots read: the step metrics, every rollout latency, and the trainer's version per step. */
export interface ReportChartData {
  steps: readonly StepMetrics[];
  /** Latency of every answered rollout, with its feedback kind. */
  latencies: readonly { feedback: FeedbackKind; latencyMs: number }[];
}

const WIDTH = 560;
const HEIGHT = 260;
/** Whole-number ticks for counts (no "0.5 lessons", no "0.000000" when every count is 0). */
const COUNT_AXIS = { format: "d", tickMinStep: 1 } as const;
const STEP_X = { field: "step", type: "ordinal", title: "step", axis: { labelAngle: 0 } } as const;

function base(values: object[]) {
  return { width: WIDTH, height: HEIGHT, data: { values } } satisfies { data: { values: object[] } } & Record<
    string,
    unknown
  >;
}

function color(domain: readonly string[], range: readonly string[]) {
  return { field: "series", type: "nominal", title: null, scale: { domain, range }, sort: domain } as const;
}

/** Grouped bars of one count per series per step. */
function groupedBars(
  id: string,
  title: string,
  yTitle: string,
  series: readonly { name: string; color: string; value: (s: StepMetrics) => number }[],
  steps: readonly StepMetrics[],
): ReportChart {
  const values = steps.flatMap((s) => series.map((x) => ({ step: s.step, series: x.name, value: x.value(s) })));
  const names = series.map((s) => s.name);
  // All zero (no leakage block, say): a 0..1 axis instead of a collapsed one.
  const top = Math.max(1, ...values.map((v) => v.value));
  return {
    id,
    title,
    series: names,
    rows: values.length,
    spec: {
      ...base(values),
      mark: { type: "bar" },
      encoding: {
        x: STEP_X,
        xOffset: { field: "series", sort: names },
        y: {
          field: "value",
          type: "quantitative",
          title: yTitle,
          axis: COUNT_AXIS,
          scale: { domain: [0, top], nice: true },
        },
        color: color(
          names,
          series.map((s) => s.color),
        ),
      },
    } as TopLevelSpec,
  };
}

/** Lines with points per series per step; `size` (when set) scales each point by a count. */
function lines(
  id: string,
  title: string,
  yTitle: string,
  values: { step: number; series: string; value: number; n?: number }[],
  domain: readonly string[],
  range: readonly string[],
  options: { sizeTitle?: string; yDomain?: [number, number] } = {},
): ReportChart {
  const present = domain.filter((name) => values.some((v) => v.series === name));
  const y = {
    field: "value",
    type: "quantitative",
    title: yTitle,
    ...(options.yDomain ? { scale: { domain: options.yDomain } } : {}),
  };
  const encoding = { x: STEP_X, y, color: color(domain, range) };
  return {
    id,
    title,
    series: present,
    rows: values.length,
    spec: {
      ...base(values),
      layer: [
        { mark: { type: "line", strokeWidth: 2 }, encoding },
        {
          mark: { type: "point", filled: true, opacity: 0.9 },
          encoding: {
            ...encoding,
            ...(options.sizeTitle
              ? { size: { field: "n", type: "quantitative", title: options.sizeTitle, scale: { zero: true } } }
              : {}),
          },
        },
      ],
    } as TopLevelSpec,
  };
}

/**
 * The plots of one run's report, in page order. The reward plot sizes each point by the scored
 * rollouts behind it; the policy-version plot is left out when no step names a version.
 */
export function reportCharts(data: ReportChartData): ReportChart[] {
  const { steps } = data;
  const kinds = [...FEEDBACK_KINDS, "all"];
  const kindColors = [...FEEDBACK_KINDS.map((k) => FEEDBACK_COLORS[k]), "#333"];
  const reward = steps.flatMap((s) => [
    ...FEEDBACK_KINDS.flatMap((kind) => {
      const value = s.byFeedback[kind];
      return value === null ? [] : [{ step: s.step, series: kind, value, n: s.scoredByFeedback[kind] }];
    }),
    ...(s.meanReward === null
      ? []
      : [
          {
            step: s.step,
            series: "all",
            value: s.meanReward,
            n: FEEDBACK_KINDS.reduce((a, k) => a + s.scoredByFeedback[k], 0),
          },
        ]),
  ]);
  const charts: ReportChart[] = [
    lines(
      "reward",
      "Mean reward per step, by feedback kind (point size: rollouts)",
      "mean reward",
      reward,
      kinds,
      kindColors,
      {
        sizeTitle: "rollouts",
      },
    ),
    lines(
      "zero-variance",
      "Share of groups with zero reward variance",
      "share of groups",
      steps.flatMap((s) =>
        s.groups === 0
          ? []
          : [{ step: s.step, series: "zero variance", value: s.zeroVarianceGroups / s.groups, n: s.groups }],
      ),
      ["zero variance"],
      ["#e15759"],
      { yDomain: [0, 1] },
    ),
    retrievalChart(steps),
    groupedBars(
      "lessons",
      "Lessons per step: added, merged, rejected, replies with no readable lesson",
      "lessons",
      [
        { name: "added", color: "#4e79a7", value: (s) => s.lessons.added },
        { name: "merged", color: "#76b7b2", value: (s) => s.lessons.merged },
        { name: "rejected", color: "#e15759", value: (s) => s.lessons.rejected },
        { name: "unparsed", color: "#bab0ac", value: (s) => s.lessons.unparsed },
      ],
      steps,
    ),
    groupedBars(
      "leakage",
      "Leakage blocks per step (context parts that held the gold answer)",
      "blocks",
      [{ name: "leakage blocks", color: "#9c755f", value: (s) => s.leakageBlocks }],
      steps,
    ),
    lines(
      "feedback-tokens",
      "Feedback tokens added per rollout",
      "tokens per rollout",
      steps.flatMap((s) => [
        ...FEEDBACK_KINDS.flatMap((kind) => {
          const value = s.feedbackTokensByFeedback[kind];
          return value === null ? [] : [{ step: s.step, series: kind, value }];
        }),
        ...(s.feedbackTokensPerRollout === null
          ? []
          : [{ step: s.step, series: "all", value: s.feedbackTokensPerRollout }]),
      ]),
      kinds,
      kindColors,
    ),
    latencyChart(data.latencies),
  ];
  const versions = steps.flatMap((s) => (s.policyVersion === null ? [] : [{ step: s.step, version: s.policyVersion }]));
  if (versions.length > 0) charts.push(policyVersionChart(versions));
  return charts;
}

function retrievalChart(steps: readonly StepMetrics[]): ReportChart {
  const title = "Lesson retrieval per step: hits, abstentions, mean similarity retrieved";
  const counts = steps.flatMap((s) => [
    { step: s.step, series: "hits", value: s.retrieval.hits },
    { step: s.step, series: "abstentions", value: s.retrieval.abstentions },
  ]);
  const scores = steps.flatMap((s) =>
    s.retrieval.meanScore === null ? [] : [{ step: s.step, series: "mean similarity", score: s.retrieval.meanScore }],
  );
  const domain = ["hits", "abstentions", "mean similarity"];
  const colors = color(domain, ["#59a14f", "#bab0ac", "#4e79a7"]);
  return {
    id: "retrieval",
    title,
    series: scores.length > 0 ? domain : domain.slice(0, 2),
    rows: counts.length + scores.length,
    spec: {
      ...base([]),
      layer: [
        {
          data: { values: counts },
          mark: { type: "bar" },
          encoding: {
            x: STEP_X,
            xOffset: { field: "series", sort: ["hits", "abstentions"] },
            y: { field: "value", type: "quantitative", title: "queries", axis: COUNT_AXIS },
            color: colors,
          },
        },
        {
          data: { values: scores },
          mark: { type: "line", point: { filled: true }, strokeWidth: 2 },
          encoding: {
            x: STEP_X,
            y: { field: "score", type: "quantitative", title: "mean similarity", scale: { domain: [0, 1] } },
            color: colors,
          },
        },
      ],
      resolve: { scale: { y: "independent" } },
    } as TopLevelSpec,
  };
}

function latencyChart(latencies: ReportChartData["latencies"]): ReportChart {
  const title = "Rollout latency distribution (answered rollouts)";
  const values = latencies.map((l) => ({ series: l.feedback, latencyMs: l.latencyMs }));
  const present = FEEDBACK_KINDS.filter((k) => values.some((v) => v.series === k));
  return {
    id: "latency",
    title,
    series: present,
    rows: values.length,
    spec: {
      ...base(values),
      mark: { type: "bar" },
      encoding: {
        x: { field: "latencyMs", type: "quantitative", bin: { maxbins: 30 }, title: "latency (ms)" },
        y: { aggregate: "count", type: "quantitative", title: "rollouts", stack: true, axis: COUNT_AXIS },
        color: color(
          FEEDBACK_KINDS,
          FEEDBACK_KINDS.map((k) => FEEDBACK_COLORS[k]),
        ),
      },
    } as TopLevelSpec,
  };
}

function policyVersionChart(values: { step: number; version: string }[]): ReportChart {
  const title = "Policy version the rollouts of each step were generated with";
  return {
    id: "policy-version",
    title,
    series: ["policy version"],
    rows: values.length,
    spec: {
      ...base(values),
      mark: { type: "line", point: { filled: true }, interpolate: "step-after" },
      encoding: {
        x: STEP_X,
        y: { field: "version", type: "ordinal", title: "policy version", sort: null },
        color: { datum: "policy version", title: null, scale: { domain: ["policy version"], range: ["#4e79a7"] } },
      },
    } as TopLevelSpec,
  };
}
