import { formatSummaryTable, renderReport, stepMetricsFromReports, summarizeRun, svgChart } from "@lanpo/cli";
import type { FeedbackKind, Rollout, StepReport } from "@lanpo/core";
import test from "ava";

function rollout(
  step: number,
  problemId: string,
  index: number,
  feedback: FeedbackKind,
  reward: number | null,
  latencyMs = 100,
): Rollout {
  return {
    id: `${step}-${problemId}-${index}`,
    problemId,
    step,
    index,
    feedback,
    messages: [{ role: "user", content: "q" }],
    originalMessages: [{ role: "user", content: "q" }],
    completion: "c",
    reward,
    advantage: reward === null ? null : 0,
    lessonIds: [],
    policyVersion: "v0",
    status: reward === null ? "failed" : "ok",
    latencyMs,
    feedbackTokens: 0,
    groupId: `run:${step}:${problemId}`,
    estimator: "grpo",
    finishReason: reward === null ? null : "stop",
    model: reward === null ? null : "fake-model",
  };
}

function report(step: number, rollouts: Rollout[], extra: Partial<StepReport> = {}): StepReport {
  const empty = { rollouts: 0, meanReward: null };
  return {
    step,
    problems: 2,
    resumedGroups: 0,
    rollouts,
    failedRollouts: rollouts.filter((r) => r.status === "failed").length,
    badReplies: 0,
    meanReward: null,
    byFeedback: { scratch: empty, reflection: empty, abstraction: empty, both: empty },
    zeroVarianceGroups: 0,
    retrieval: { queries: 2, hits: 1, abstentions: 1, meanScore: 0.7 },
    lessons: { added: 2, merged: 1, rejected: 0, unparsed: 0 },
    leakageBlocks: 1,
    feedbackTokens: 0,
    latencyMs: { rolloutMedian: null, rolloutP95: null, step: 10 },
    batchId: `b${step}`,
    policyVersion: "v0",
    ...extra,
  };
}

const reports = [
  report(0, [
    rollout(0, "p1", 0, "scratch", 1, 100),
    rollout(0, "p1", 1, "scratch", 0, 300),
    rollout(0, "p2", 0, "abstraction", 1, 200),
    rollout(0, "p2", 1, "reflection", null, 50),
  ]),
  report(1, [rollout(1, "p1", 0, "both", 0), rollout(1, "p1", 1, "scratch", 1), rollout(1, "p2", 0, "scratch", 1)], {
    retrieval: { queries: 2, hits: 2, abstentions: 0, meanScore: 0.8 },
    leakageBlocks: 0,
  }),
];

test("step metrics: rewards by feedback kind from rollouts, failed rollouts left out", (t) => {
  const [first, second] = stepMetricsFromReports(reports);
  t.is(first?.rollouts, 4);
  t.is(first?.failedRollouts, 1);
  t.is(first?.meanReward, 2 / 3);
  t.deepEqual(first?.byFeedback, { scratch: 0.5, reflection: null, abstraction: 1, both: null });
  t.is(first?.latencyMs.median, 200, "latencies of calls that never answered are left out");
  t.is(first?.latencyMs.p95, 300);
  t.deepEqual(second?.byFeedback, { scratch: 1, reflection: null, abstraction: null, both: 0 });
});

test("a step split by a kill and a resume sums its counters", (t) => {
  const split = [
    report(0, [rollout(0, "p1", 0, "scratch", 1)]),
    report(0, [rollout(0, "p2", 0, "scratch", 0)], { resumedGroups: 1 }),
  ];
  const [only] = stepMetricsFromReports(split);
  t.is(only?.rollouts, 2);
  t.is(only?.retrieval.hits, 2);
  t.is(only?.leakageBlocks, 2);
  t.is(only?.lessons.added, 4);
});

test("summary holds exactly the contract fields, with null for kinds never used", (t) => {
  const steps = stepMetricsFromReports(reports);
  const summary = summarizeRun({
    steps: 2,
    rollouts: reports.flatMap((r) => r.rollouts),
    stepMetrics: steps,
    lessons: 5,
  });
  t.like(summary, {
    steps: 2,
    rollouts: 7,
    meanReward: 4 / 6,
    leakageBlocks: 1,
    lessons: 5,
    failedRollouts: 1,
    groups: 4,
  });
  t.deepEqual(summary.byFeedback, { scratch: 0.75, reflection: null, abstraction: 1, both: 0 });
  for (const key of ["steps", "rollouts", "meanReward", "byFeedback", "leakageBlocks", "lessons"])
    t.true(key in summary);
  const table = formatSummaryTable(summary);
  t.regex(table, /mean reward\s+\|\s+0\.667/);
  t.regex(table, /reflection\s+\|\s+-/);
});

test("the report is one self-contained page with a plot per metric and the summary", (t) => {
  const steps = stepMetricsFromReports(reports);
  const summary = summarizeRun({
    steps: 2,
    rollouts: reports.flatMap((r) => r.rollouts),
    stepMetrics: steps,
    lessons: 5,
  });
  const html = renderReport({
    title: "run <x>",
    generatedAt: "2025-01-01T00:00:00Z",
    summary,
    steps,
    config: { dataset: "gsm8k", note: "<script>alert(1)</script>" },
    notices: ["scripted & for wiring"],
  });
  t.true(html.startsWith("<!doctype html>"));
  t.is(html.match(/<svg /g)?.length, 4);
  for (const title of [
    "Mean reward per step, by feedback kind",
    "hits vs abstentions",
    "Lessons per step",
    "Rollout latency",
  ])
    t.true(html.includes(title));
  // Nothing loaded from elsewhere, nothing executable, user text escaped.
  t.false(/<script|src=|href=|@import/.test(html));
  t.true(html.includes("run &lt;x&gt;"));
  t.true(html.includes("&lt;script&gt;"));
  t.true(html.includes("scripted &amp; for wiring"));
  // Tooltips carry the plotted values: abstraction reward 1 at step 0.
  t.true(html.includes("<title>abstraction, step 0: 1</title>"));
  t.true(html.includes("<title>hits, step 1: 2</title>"));
});

test("charts draw gaps for missing values and say so when there is no data", (t) => {
  const gap = svgChart({
    title: "t",
    x: [0, 1, 2],
    yLabel: "y",
    series: [{ name: "s", color: "#000", values: [1, null, 2] }],
  });
  t.is(gap.match(/<path d="M/g)?.length, 1);
  t.is((gap.match(/<path d="([^"]*)"/)?.[1] ?? "").split("M").length - 1, 2);
  const empty = svgChart({ title: "t", x: [], yLabel: "y", series: [{ name: "s", color: "#000", values: [] }] });
  t.true(empty.includes("no data"));
  t.false(empty.includes("NaN"));
});
