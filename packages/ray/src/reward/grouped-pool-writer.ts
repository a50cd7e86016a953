import { randomUUID } from "node:crypto";
import type { ChatMessageRecord, ExperiencePool, Rollout } from "@lanpo/core";
import { groupAdvantages } from "@lanpo/core";

/** One scored sample, as the reward server hands it over. */
export interface ScoredSample {
  problemId: string;
  /** What the policy was sent, as OpenRLHF sent it (one string, chat template included). */
  prompt: string;
  /** The bare problem statement when known, else the prompt. */
  question: string;
  completion: string;
  reward: number;
  status: "ok" | "empty";
  latencyMs: number;
}

/** Options of {@link GroupedPoolWriter}. */
export interface GroupedPoolWriterOptions {
  pool: ExperiencePool;
  /**
   * Samples per group (OpenRLHF's `--n_samples_per_prompt`): a group is committed as soon as it
   * holds this many. @default null (groups are committed after `groupIdleMs` without a new sample)
   */
  groupSize?: number | null;
  /** Commit a group that got no new sample for this long, in milliseconds. @default 5000 */
  groupIdleMs?: number;
  /** Recorded as each rollout's `policyVersion`. @default "external" */
  policyVersion?: string;
  /** Called when a commit fails (the reward replies are never affected). @default ignore */
  onError?: (error: unknown) => void;
  generateId?: () => string;
}

interface OpenGroup {
  problemId: string;
  samples: ScoredSample[];
  timer: NodeJS.Timeout | undefined;
}

/**
 * Groups scored samples by problem as they arrive and records each group in the experience pool
 * once it is complete (or idle), serially and off the caller's path: `add` never waits for a
 * write, so a reward reply never waits on an fsync. A problem's k-th group after start-up is
 * stored at step `base + k`, `base` being one past the pool's last step, so (problem, step) never
 * collides across restarts. Advantages are group-normalised (GRPO) over the group's rewards.
 */
export class GroupedPoolWriter {
  readonly #pool: ExperiencePool;
  readonly #groupSize: number | null;
  readonly #idleMs: number;
  readonly #policyVersion: string;
  readonly #onError: (error: unknown) => void;
  readonly #generateId: () => string;
  readonly #open = new Map<string, OpenGroup>();
  readonly #groupsOf = new Map<string, number>();
  #base: Promise<number>;
  #writes: Promise<void> = Promise.resolve();
  #committed = 0;
  #failed = 0;

  constructor(options: GroupedPoolWriterOptions) {
    this.#pool = options.pool;
    this.#groupSize = options.groupSize ?? null;
    this.#idleMs = options.groupIdleMs ?? 5000;
    this.#policyVersion = options.policyVersion ?? "external";
    this.#onError = options.onError ?? (() => {});
    this.#generateId = options.generateId ?? randomUUID;
    this.#base = this.#pool.lastStep().then((last) => last + 1);
    this.#base.catch(() => {});
  }

  /** Groups committed and groups whose commit failed, so far. */
  get counts(): { committed: number; failed: number; open: number } {
    return { committed: this.#committed, failed: this.#failed, open: this.#open.size };
  }

  add(sample: ScoredSample): void {
    const group = this.#open.get(sample.problemId) ?? { problemId: sample.problemId, samples: [], timer: undefined };
    this.#open.set(sample.problemId, group);
    group.samples.push(sample);
    clearTimeout(group.timer);
    if (this.#groupSize !== null && group.samples.length >= this.#groupSize) {
      this.#commit(group);
      return;
    }
    group.timer = setTimeout(() => this.#commit(group), this.#idleMs);
    group.timer.unref();
  }

  /** Commits every open group and waits for all writes. */
  async flush(): Promise<void> {
    for (const group of [...this.#open.values()]) this.#commit(group);
    await this.#writes;
  }

  #commit(group: OpenGroup): void {
    clearTimeout(group.timer);
    if (this.#open.get(group.problemId) === group) this.#open.delete(group.problemId);
    const ordinal = this.#groupsOf.get(group.problemId) ?? 0;
    this.#groupsOf.set(group.problemId, ordinal + 1);
    // setImmediate: the write runs after the replies of this turn of the event loop are sent (a
    // better-sqlite3 commit is synchronous; run as a microtask it would delay them).
    this.#writes = this.#writes.then(afterReplies).then(async () => {
      try {
        const step = (await this.#base) + ordinal;
        const advantages = groupAdvantages(group.samples.map((s) => s.reward));
        const groupId = `${group.problemId}@${step}`;
        const rollouts: Rollout[] = group.samples.map((sample, index) => ({
          id: this.#generateId(),
          problemId: group.problemId,
          step,
          index,
          feedback: "scratch",
          messages: [{ role: "user", content: sample.prompt }] satisfies ChatMessageRecord[],
          originalMessages: [{ role: "user", content: sample.question }] satisfies ChatMessageRecord[],
          completion: sample.completion,
          reward: sample.reward,
          advantage: advantages[index] ?? 0,
          lessonIds: [],
          policyVersion: this.#policyVersion,
          status: sample.status,
          latencyMs: sample.latencyMs,
          feedbackTokens: 0,
          groupId,
          estimator: "grpo",
          finishReason: null,
          model: null,
        }));
        await this.#pool.recordGroup({ problemId: group.problemId, step, rollouts, reflections: [], distilled: false });
        this.#committed++;
      } catch (error) {
        this.#failed++;
        this.#onError(error);
      }
    });
  }
}

function afterReplies(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
