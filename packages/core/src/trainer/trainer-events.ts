import type { Rollout } from "../types/attempt.js";
import type { StepReport } from "../types/step-report.js";

/**
 * Progress events of {@link LanpoTrainer}, named noun-verb. Listeners run synchronously and must
 * not throw; use them for progress bars and logs.
 */
export interface TrainerEvents {
  /** `run` begins. `notices` are messages every user must see (e.g. that the policy is scripted). */
  "run-start": { runId: string; steps: number; batchSize: number; problems: number; notices: string[] };
  /** A step begins: `rollouts` is how many model calls it plans (groups x G, minus resumed groups). */
  "step-start": { step: number; problems: number; rollouts: number };
  /** One rollout is verified (or failed after retries); its advantage is set at "group-end". */
  "rollout-end": { step: number; rollout: Rollout };
  /** A group is written to the pool. */
  "group-end": { step: number; problemId: string; meanReward: number | null; rollouts: Rollout[] };
  /** The leakage guard blocked a part of a context. */
  "leakage-blocked": { step: number; problemId: string; part: "lesson" | "plan" | "instruction"; sourceId?: string };
  /** A batch was handed to the optimizer. */
  "batch-submitted": { step: number; batchId: string; status: "acknowledged" | "queued" | "duplicate" };
  "step-end": { report: StepReport };
}

export type TrainerEventName = keyof TrainerEvents;
