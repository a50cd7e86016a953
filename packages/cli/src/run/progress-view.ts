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
  /**
   * Steps started and not yet ended, oldest first. The trainer starts the next step while this
   * one's last calls run: the view shows the oldest, and a later step once the one before ends.
   */
  readonly #open: OpenStep[] = [];

  constructor(stream: ProgressStream, options: { tty?: boolean } = {}) {
    this.#stream = stream;
    this.#tty = options.tty ?? stream.isTTY === true;
  }

  runStart(steps: number, notices: readonly string[]): void {
    this.#steps = steps;
    for (const notice of notices) this.#stream.write(`note: ${notice}\n`);
  }

  stepStart(step: number, rollouts: number, resumedGroups: number): void {
    this.#open.push({ step, rollouts, resumedGroups, done: 0, rewardSum: 0, rewardCount: 0 });
    if (this.#open.length === 1) this.#show(this.#open[0] as OpenStep);
  }

  rolloutEnd(step: number, reward: number | null): void {
    const open = this.#open.find((o) => o.step === step);
    if (!open) return;
    open.done++;
    if (reward !== null) {
      open.rewardSum += reward;
      open.rewardCount++;
    }
    if (open === this.#open[0]) this.#bar?.update(open.done, { reward: rewardText(open) });
  }

  stepEnd(step: number, meanReward: number | null, rollouts: number, failed: number, stepMs: number): void {
    const index = this.#open.findIndex((o) => o.step === step);
    if (index !== -1) this.#open.splice(index, 1);
    if (this.#bar && index === 0) {
      this.#bar.update(rollouts);
      this.#bar.stop();
      this.#bar = null;
    } else if (!this.#tty) {
      const reward = meanReward === null ? "-" : meanReward.toFixed(3);
      this.#stream.write(
        `${this.#label(step)} done: mean reward ${reward}, ${rollouts} rollouts, ${failed} failed, ${(stepMs / 1000).toFixed(1)} s\n`,
      );
    }
    if (index === 0 && this.#open[0]) this.#show(this.#open[0]);
  }

  #show(open: OpenStep): void {
    const label = this.#label(open.step);
    if (!this.#tty) {
      this.#stream.write(
        `${label}: ${open.rollouts} rollouts${open.resumedGroups > 0 ? ` (${open.resumedGroups} groups already in the pool)` : ""}\n`,
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
    this.#bar.start(open.rollouts, open.done, { reward: rewardText(open) });
  }

  /** Steps are numbered from 0, as in events.jsonl, the pool and the report; the count says how far along. */
  #label(step: number): string {
    return `step ${step} (${step + 1} of ${this.#steps})`;
  }

  stop(): void {
    this.#bar?.stop();
    this.#bar = null;
    this.#open.length = 0;
  }
}

interface OpenStep {
  step: number;
  rollouts: number;
  resumedGroups: number;
  done: number;
  rewardSum: number;
  rewardCount: number;
}

function rewardText(open: OpenStep): string {
  return open.rewardCount === 0 ? "-" : (open.rewardSum / open.rewardCount).toFixed(3);
}
