import { formatSummaryTable, renderReport, stepMetricsFromReports, summarizeRun } from "@lanpo/cli";
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
  t.is(only?.lessons.unparsed, 0);
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
  t.is(summary.lessonsUnparsed, 0);
  const table = formatSummaryTable(summary);
  t.notRegex(table, /no readable lesson/, "shown only when some reply had none");
  t.regex(formatSummaryTable({ ...summary, lessonsUnparsed: 3 }), /replies with no readable lesson\s+\|\s+3 \|/);
  t.regex(table, /mean reward\s+\|\s+0\.667/);
  t.regex(table, /reflection\s+\|\s+-/);
});

/** Each plot's figure in the page, with how many drawn marks (lines, bars, points) it holds. */
function plotsOf(html: string): { id: string; series: string[]; marks: number; lines: number; legend: string[] }[] {
  return [...html.matchAll(/<figure data-chart="([^"]*)" data-series="([^"]*)"[^>]*>(.*?)<\/figure>/gs)].map((m) => {
    const body = m[3] ?? "";
    const groups = [...body.matchAll(/<g class="mark-(\w+) role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)];
    return {
      id: m[1] ?? "",
      series: (m[2] ?? "").split("|").filter(Boolean),
      marks: groups.reduce((a, g) => a + (g[2]?.match(/<(path|line|rect)\b/g)?.length ?? 0), 0),
      lines: groups.filter((g) => g[1] === "line").length,
      legend: [...body.matchAll(/role-legend-(?:label|title)[^>]*><text[^>]*>([^<]*)<\/text>/g)].map((l) => l[1] ?? ""),
    };
  });
}

async function sampleReport(extra: Partial<Parameters<typeof renderReport>[0]> = {}) {
  const steps = stepMetricsFromReports(reports);
  const summary = summarizeRun({
    steps: 2,
    rollouts: reports.flatMap((r) => r.rollouts),
    stepMetrics: steps,
    lessons: 5,
  });
  return renderReport({
    title: "run <x>",
    generatedAt: "2025-01-01T00:00:00Z",
    summary,
    steps,
    config: { dataset: "gsm8k", note: "<script>alert(1)</script>" },
    notices: ["scripted & for wiring"],
    latencies: reports.flatMap((r) => r.rollouts).map((r) => ({ feedback: r.feedback, latencyMs: r.latencyMs })),
    lessons: [{ id: "l1", text: "Check <units>", uses: 3, meanAdvantage: 0.25, meanReward: 0.5 }],
    ...extra,
  });
}

test("zero-variance groups and feedback tokens per step come from the rollouts", (t) => {
  const [first, second] = stepMetricsFromReports(reports);
  // step 0: p1 has rewards 1 and 0 (varies), p2 has only the abstraction 1 scored (no variance).
  t.is(first?.groups, 2);
  t.is(first?.zeroVarianceGroups, 1);
  t.deepEqual(first?.scoredByFeedback, { scratch: 2, reflection: 0, abstraction: 1, both: 0 });
  t.is(second?.zeroVarianceGroups, 1, "p2's single scratch rollout");
  t.is(first?.feedbackTokensPerRollout, 0);
});

test("the report is one self-contained page, every plot a non-empty inline Vega SVG with its series", async (t) => {
  const html = await sampleReport();
  t.true(html.startsWith("<!doctype html>"));
  const plots = plotsOf(html);
  t.deepEqual(
    plots.map((p) => p.id),
    ["reward", "zero-variance", "retrieval", "lessons", "leakage", "feedback-tokens", "latency", "policy-version"],
  );
  t.is(html.match(/<svg /g)?.length, plots.length, "one inline svg per plot");
  for (const plot of plots) {
    t.true(plot.marks > 0, `${plot.id} draws marks`);
    for (const name of plot.series) t.true(plot.legend.includes(name), `${plot.id} legend names ${name}`);
  }
  const reward = plots.find((p) => p.id === "reward");
  // scratch, abstraction, both and "all" have rewards; reflection's only rollout failed.
  t.deepEqual(reward?.series, ["scratch", "abstraction", "both", "all"]);
  t.is(reward?.lines, 4);
  t.true(reward?.legend.includes("rollouts"), "point size says how many rollouts are behind each point");
  // Nothing loaded from elsewhere, nothing executable, no URL at all, user text escaped.
  t.false(/<script|src=|href=|@import|url\(/.test(html));
  t.false(/https?:\/\//.test(html), "not even the SVG namespace: inline SVG does not need it");
  t.true(html.includes("run &lt;x&gt;"));
  t.true(html.includes("&lt;script&gt;"));
  t.true(html.includes("scripted &amp; for wiring"));
  t.true(html.includes("Check &lt;units&gt;"), "the lesson table");
  t.true(html.includes("display:grid"), "plots laid out in a grid over the page's width");
});

test("a plot with nothing to draw says so instead of an empty frame", async (t) => {
  const html = await sampleReport({ latencies: [] });
  const latency = plotsOf(html).find((p) => p.id === "latency");
  t.is(latency?.marks, 0);
  t.regex(
    html,
    /data-chart="latency"[^>]*data-rows="0"[^>]*><figcaption>[^<]*<\/figcaption><div class="empty">no data<\/div>/,
  );
});

test("the policy-version plot is left out when no step names a version", async (t) => {
  const steps = stepMetricsFromReports(reports).map((s) => ({ ...s, policyVersion: null }));
  const html = await renderReport({
    title: "t",
    generatedAt: "x",
    summary: summarizeRun({ steps: 2, rollouts: [], stepMetrics: steps, lessons: 0 }),
    steps,
    config: {},
  });
  t.false(plotsOf(html).some((p) => p.id === "policy-version"));
});
