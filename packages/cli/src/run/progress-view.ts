import cliProgress from "cli-progress";

/** Where progress goes: stderr, so stdout keeps only the summary table. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Shows a run's progress: on a terminal, a cli-progress bar over each step's rollouts; elsewhere
 * (CI, a pipe, a log file) one plain line when a step starts and one when it ends.
 */
export class ProgressView {
  readonly #stream: ProgressStream;
  readonly #tty: boolean;
  #bar: cliProgress.SingleBar | null = null;
  #steps = 0;
  #rewardSum = 0;
  #rewardCount = 0;

  constructor(stream: ProgressStream, options: { tty?: boolean } = {}) {
    this.#stream = stream;
    this.#tty = options.tty ?? stream.isTTY === true;
  }

  runStart(steps: number, notices: readonly string[]): void {
    this.#steps = steps;
    for (const notice of notices) this.#stream.write(`note: ${notice}\n`);
  }

  stepStart(step: number, rollouts: number, resumedGroups: number): void {
    this.#rewardSum = 0;
    this.#rewardCount = 0;
    const label = this.#label(step);
    if (!this.#tty) {
      this.#stream.write(
        `${label}: ${rollouts} rollouts${resumedGroups > 0 ? ` (${resumedGroups} groups already in the pool)` : ""}\n`,
      );
      return;
    }
    this.#bar = new cliProgress.SingleBar(
      {
        stream: this.#stream as NodeJS.WritableStream,
        format: `${label} [{bar}] {value}/{total} rollouts | reward {reward} | {duration_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
        noTTYOutput: false,
      },
      cliProgress.Presets.shades_classic,
    );
    this.#bar.start(rollouts, 0, { reward: "-" });
  }

  rolloutEnd(reward: number | null): void {
    if (reward !== null) {
      this.#rewardSum += reward;
      this.#rewardCount++;
    }
    this.#bar?.increment(1, {
      reward: this.#rewardCount === 0 ? "-" : (this.#rewardSum / this.#rewardCount).toFixed(3),
    });
  }

  stepEnd(step: number, meanReward: number | null, rollouts: number, failed: number, stepMs: number): void {
    if (this.#bar) {
      this.#bar.stop();
      this.#bar = null;
      return;
    }
    const reward = meanReward === null ? "-" : meanReward.toFixed(3);
    this.#stream.write(
      `${this.#label(step)} done: mean reward ${reward}, ${rollouts} rollouts, ${failed} failed, ${(stepMs / 1000).toFixed(1)} s\n`,
    );
  }

  /** Steps are numbered from 0, as in events.jsonl, the pool and the report; the count says how far along. */
  #label(step: number): string {
    return `step ${step} (${step + 1} of ${this.#steps})`;
  }

  stop(): void {
    this.#bar?.stop();
    this.#bar = null;
  }
}
