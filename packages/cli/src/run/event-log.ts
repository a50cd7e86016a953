import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import type { StepReport, TrainerEventName, TrainerEvents } from "@lanpo/core";
import { StorageError } from "@lanpo/core";

/** The trainer events `events.jsonl` records, one JSON line each, as they happen. */
export const LOGGED_EVENTS: readonly TrainerEventName[] = [
  "run-start",
  "step-start",
  "rollout-end",
  "group-end",
  "leakage-blocked",
  "optimizer-waiting",
  "batch-submitted",
  "policy-model-changed",
  "distil-error",
  "step-end",
];

/**
 * Appends trainer events to `events.jsonl`. A resumed run appends to the same file. Rollouts are
 * written once, in `rollout-end`; `group-end` and `step-end` carry their count instead.
 */
export class EventLog {
  readonly #file: string;
  readonly #fd: number;
  readonly #now: () => number;

  constructor(file: string, now: () => number = Date.now) {
    this.#file = file;
    this.#now = now;
    try {
      this.#fd = openSync(file, "a");
    } catch (cause) {
      throw new StorageError(
        file,
        `cannot open the event log (${(cause as { code?: string }).code ?? String(cause)}); pass an --out folder you can write to`,
        { cause },
      );
    }
  }

  write<K extends TrainerEventName>(event: K, payload: TrainerEvents[K]): void {
    this.writeRecord(event, compact(event, payload));
  }

  /** Appends one event of any name (the Ray optimizer's, say) with its payload. */
  writeRecord(event: string, payload: object): void {
    const record: Record<string, unknown> = { event, atMs: this.#now(), ...payload };
    try {
      writeSync(this.#fd, `${JSON.stringify(record)}\n`);
    } catch (cause) {
      throw new StorageError(
        this.#file,
        `cannot append to the event log (${(cause as { code?: string }).code ?? String(cause)}); free disk space, then continue with --resume`,
        { cause },
      );
    }
  }

  close(): void {
    closeSync(this.#fd);
  }
}

function compact(event: TrainerEventName, payload: unknown): Record<string, unknown> {
  if (event === "group-end") {
    const { rollouts, ...rest } = payload as TrainerEvents["group-end"];
    return { ...rest, rollouts: rollouts.length };
  }
  if (event === "step-end") {
    const { report } = payload as TrainerEvents["step-end"];
    const { rollouts, ...rest } = report;
    return { report: { ...rest, rollouts: rollouts.length } };
  }
  return payload as Record<string, unknown>;
}

/** The step reports logged so far (rollouts left out), every segment of a resumed run included. */
export function readLoggedStepReports(file: string): StepReport[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const reports: StepReport[] = [];
  for (const line of text.split("\n")) {
    if (!line.includes('"step-end"')) continue;
    try {
      const record = JSON.parse(line) as { event?: string; report?: StepReport };
      // A line cut short by a kill is skipped: the pool, not the log, is the record of what was done.
      if (record.event === "step-end" && record.report) reports.push({ ...record.report, rollouts: [] });
    } catch {}
  }
  return reports;
}
