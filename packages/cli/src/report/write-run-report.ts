import { writeFileAtomic } from "../run/run-folder.js";
import { renderReport } from "./render-report.js";
import type { RunData } from "./run-data.js";

/**
 * Writes `report.html` into the run's folder from its collected data and returns the file's path.
 * The settings table leaves out the run id's bookkeeping (format version) but keeps the arm.
 */
export async function writeRunReport(data: RunData, options: { now?: () => number } = {}): Promise<string> {
  const now = options.now ?? Date.now;
  const { runId, formatVersion: _v, ...shown } = data.config;
  const html = await renderReport({
    title: `lanpo run ${runId} (${data.arm})`,
    generatedAt: new Date(now()).toISOString(),
    summary: data.summary,
    steps: data.steps,
    config: shown,
    notices: data.notices,
    latencies: data.latencies,
    lessons: data.lessons,
  });
  writeFileAtomic(data.folder.report, html);
  return data.folder.report;
}
