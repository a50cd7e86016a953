import { type Optimizer, OutboxOptimizer } from "@lanpo/core";

/**
 * The optimizer of `lanpo run`: a durable outbox in the run's `outbox/` folder whose local trainer
 * inbox is `outbox/trainer-inbox.jsonl`; a resume resends whatever was never acknowledged. One
 * function, so the default changes in one place.
 */
export function openDefaultOptimizer(dir: string): Promise<Optimizer> {
  return OutboxOptimizer.open({ directory: dir });
}
