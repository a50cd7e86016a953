// Program and commands

export { compareCommand } from "./commands/compare.js";
export type { EmbeddingsKind, MemoryCommandIo } from "./commands/memory.js";
export { memoryCommand } from "./commands/memory.js";
export { reportCommand } from "./commands/report.js";
export { runCommand } from "./commands/run.js";
export type { VerifyCommandIo } from "./commands/verify.js";
export { verifyCommand } from "./commands/verify.js";
// Data sets
export type { BundledDatasetName, BundledDatasetSpec, MappedRow } from "./datasets/bundled-datasets.js";
export { BUNDLED_DATASET_NAMES, BUNDLED_DATASETS, isBundledDatasetName } from "./datasets/bundled-datasets.js";
export { bundledDataDir } from "./datasets/data-dir.js";
export type { LoadDatasetOptions, LoadedDataset } from "./datasets/load-dataset.js";
export { loadDataset } from "./datasets/load-dataset.js";
export { createProgram } from "./program.js";
export type { ArmDifference, ArmStats, ComparedRun, Comparison } from "./report/compare-runs.js";
export { compareRuns } from "./report/compare-runs.js";
export { formatComparisonTable } from "./report/compare-table.js";
export type { LessonUsage } from "./report/lesson-usage.js";
export { lessonUsage } from "./report/lesson-usage.js";
export { comparisonCharts, renderComparison } from "./report/render-compare.js";
export type { ReportInput } from "./report/render-report.js";
export { renderReport } from "./report/render-report.js";
export type { ReportChart, ReportChartData } from "./report/report-charts.js";
export { FEEDBACK_COLORS, reportCharts } from "./report/report-charts.js";
export type { RunArm, RunData } from "./report/run-data.js";
export { collectRunData, readMemoryLessons, readRunData, runArm } from "./report/run-data.js";
// Reports
export type { RewardByFeedback, RunSummary, StepMetrics } from "./report/run-metrics.js";
export { buildStepMetrics, stepMetricsFromReports, summarizeRun } from "./report/run-metrics.js";
export { formatSummaryTable } from "./report/summary-table.js";
export { vegaLiteToSvg } from "./report/vega-svg.js";
export { writeRunReport } from "./report/write-run-report.js";
export type { CheckModelServerOptions } from "./run/check-model-server.js";
export { checkModelServer, openAiBaseUrl } from "./run/check-model-server.js";
export type { ExecuteRunOptions, RunOutcome } from "./run/execute-run.js";
export { executeRun } from "./run/execute-run.js";
export { ModelServerError } from "./run/model-server-error.js";
export type { ResolvedRun, ResolveRunConfigOptions } from "./run/resolve-run-config.js";
export { resolveRunConfig } from "./run/resolve-run-config.js";
// lanpo run
export type { RunConfig, StoredRunConfig } from "./run/run-config.js";
export { RESUMABLE_OVERRIDES, RUN_DEFAULTS } from "./run/run-config.js";
export type { RunConfigInput } from "./run/run-config-schema.js";
export { runConfigInputSchema, storedRunConfigSchema } from "./run/run-config-schema.js";
export type { RunFolder } from "./run/run-folder.js";
export { runFolder } from "./run/run-folder.js";
export { cliVersion } from "./version.js";
