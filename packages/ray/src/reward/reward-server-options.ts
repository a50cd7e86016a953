import type { ExperiencePool, RewardFn } from "@lanpo/core";
import type { ProblemLookup } from "./problem-index.js";

/** Options of {@link RewardServer}. */
export interface RewardServerOptions {
  /** Scores one completion against its problem (the only reader of the gold answer), e.g. `mathReward`. */
  score: RewardFn;
  /**
   * Finds the data set's problem a prompt (or, from older trainers that send only `query`, the
   * whole query) was made from: its gold answer is used when the request has no label, and its id
   * names the group in the pool. @default none (every request must carry labels)
   */
  problems?: ProblemLookup;
  /** Where every scored rollout is recorded, grouped by prompt. @default none (nothing is recorded) */
  pool?: ExperiencePool;
  /** Samples per prompt (OpenRLHF's `--n_samples_per_prompt`); a full group is committed at once. @default null */
  groupSize?: number | null;
  /** A group that gets no new sample for this long is committed, in milliseconds. @default 5000 */
  groupIdleMs?: number;
  /** Requests must carry `Authorization: Bearer <token>`. @default none */
  token?: string;
  /** Bodies larger than this are refused with 413, in bytes. @default 16 MiB */
  maxBodyBytes?: number;
  /** Recorded as the rollouts' `policyVersion`. @default "openrlhf" */
  policyVersion?: string;
  /** Hears failures that do not reach a reply (a pool write that failed). @default ignore */
  onError?: (error: unknown) => void;
}
