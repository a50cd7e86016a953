import { type Optimizer, OutboxOptimizer } from "@lanpo/core";
import { openRayOptimizer, type RayOptimizerEvent } from "@lanpo/ray";
import type { RunConfig } from "./run-config.js";

/** An optimizer the run can wait on until every batch is acknowledged (or a bound passes). */
export interface RunOptimizer extends Optimizer {
  flushUntilAcknowledged(options: { timeoutMs: number }): Promise<{ acknowledged: number; pending: number }>;
}

/**
 * The optimizer of `lanpo run`, in the run's `outbox/` folder: a durable outbox whose local trainer
 * inbox is `outbox/trainer-inbox.jsonl`, or with `--optimizer ray` the same outbox delivering to a
 * trainer's HTTP ingest (launching the trainer job on Ray with `--launch`). A resume reopens the
 * folder and resends whatever was never acknowledged. One function, so the default changes in one place.
 */
export async function openRunOptimizer(
  dir: string,
  config: Pick<RunConfig, "optimizer" | "ingestUrl" | "rayAddress" | "launch">,
  onEvent: (event: RayOptimizerEvent) => void,
): Promise<RunOptimizer> {
  if (config.optimizer === "ray" && config.ingestUrl !== null) {
    const optimizer = await openRayOptimizer({
      directory: dir,
      ingestUrl: config.ingestUrl,
      ...(config.rayAddress === null ? {} : { rayAddress: config.rayAddress }),
      ...(config.launch === null ? {} : { launch: config.launch }),
      onEvent,
    });
    return optimizer;
  }
  return OutboxOptimizer.open({ directory: dir });
}
