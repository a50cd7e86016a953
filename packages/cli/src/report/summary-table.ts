import { FEEDBACK_KINDS } from "@lanpo/core";
import type { RunSummary } from "./run-metrics.js";

/** The plain-text table printed on stdout when a run ends. */
export function formatSummaryTable(summary: RunSummary, counts?: Partial<Record<string, number>>): string {
  const fmt = (v: number | null) => (v === null ? "-" : v.toFixed(3));
  const rows: [string, string][] = [
    ["steps", String(summary.steps)],
    ["groups", String(summary.groups)],
    [
      "rollouts",
      `${summary.rollouts} (${summary.failedRollouts} failed${summary.badReplies > 0 ? `, ${summary.badReplies} bad replies scored 0` : ""})`,
    ],
    ["mean reward", fmt(summary.meanReward)],
    ...FEEDBACK_KINDS.map((k): [string, string] => [
      `  ${k}${counts?.[k] === undefined ? "" : ` (${counts[k]})`}`,
      fmt(summary.byFeedback[k]),
    ]),
    ["retrieval hits / abstentions", `${summary.retrievalHits} / ${summary.retrievalAbstentions}`],
    ["  mean similarity retrieved", fmt(summary.retrievalMeanScore)],
    ["lessons (merged)", `${summary.lessons} (${summary.lessonsMerged})`],
    ...(summary.lessonsUnparsed > 0
      ? [["  replies with no readable lesson", String(summary.lessonsUnparsed)] as [string, string]]
      : []),
    ["leakage blocks", String(summary.leakageBlocks)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const valueWidth = Math.max(...rows.map(([, v]) => v.length));
  const line = `+-${"-".repeat(width)}-+-${"-".repeat(valueWidth)}-+`;
  return [line, ...rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v.padStart(valueWidth)} |`), line].join("\n");
}
