import type { Rollout } from "../types/attempt.js";
import type { StepReport } from "../types/step-report.js";

/**
 * Progress events of {@link LanpoTrainer}, named noun-verb. Listeners run synchronously, after the
 * data they report is committed to the pool. A listener that throws is reported through
 * `listener-error` and never aborts the step or loses the group.
 */
export interface TrainerEvents {
  /** `run` begins. `notices` are messages every user must see (e.g. that the policy is scripted). */
  "run-start": {
    runId: string;
    steps: number;
    batchSize: number;
    problems: number;
    notices: string[];
    /** Steps the pool had finished already: a resumed run skips them. */
    finishedSteps: number;
    /** Questions that appear under more than one problem id (they never share lessons). */
    twinQuestions: number;
  };
  /** A step begins: `rollouts` is how many model calls it plans (groups x G, minus resumed groups). */
  "step-start": { step: number; problems: number; rollouts: number };
  /** One rollout is verified (or failed after retries) and stored with its group. */
  "rollout-end": { step: number; rollout: Rollout };
  /** A group is written to the pool. */
  "group-end": { step: number; problemId: string; meanReward: number | null; rollouts: Rollout[] };
  /** The leakage guard blocked a part of a context. */
  "leakage-blocked": { step: number; problemId: string; part: "lesson" | "plan" | "critique"; sourceId?: string };
  /** The optimizer's backlog is over its limit: the trainer waits before submitting (back-pressure). */
  "optimizer-waiting": { step: number; pending: number };
  /** A batch was handed to the optimizer. */
  "batch-submitted": {
    step: number;
    batchId: string;
    status: "acknowledged" | "queued" | "duplicate";
    samples: number;
    policyVersion?: string;
    servedModel?: string;
  };
  /** The optimizer published a new model name; rollouts from now on are generated with it. */
  "policy-model-changed": { step: number; servedModel: string; policyVersion: string };
  /** The abstractor failed on a group; its lessons are missing, nothing else is. */
  "distil-error": { step: number; error: string };
  "step-end": { report: StepReport };
  /** A listener threw. The trainer carried on; `event` names the event it was handling. */
  "listener-error": { event: string; error: unknown };
}

export type TrainerEventName = keyof TrainerEvents;
