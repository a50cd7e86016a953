import type { LanpoTask } from "./lanpo-middleware-options.js";

/** What LANPO prepared and saw during one agent run; kept in process, keyed by the run's token. */
export interface RunContext {
  task: LanpoTask;
  startedAtMs: number;
  /** Messages in state when the run started: those after it are the run's own. */
  firstMessage: number;
  /** Lessons that passed the guard. */
  lessons: { id: string; text: string }[];
  /** The newest earlier attempt at this task, if any. */
  prior: { attemptId: string; completion: string; step: number } | undefined;
  /** The review shown, once written (null: none to show). */
  reflection: Promise<{ id: string; text: string } | null> | undefined;
  /** The agent's own system prompt as the first model call had it. */
  baseSystem: string | undefined;
  /** The full system text the model was last shown. */
  shownSystem: string | undefined;
}

/** Runs that never reach `afterAgent` (an error, an interrupt) must not pile up. */
const MAX_OPEN_RUNS = 1000;

export class RunContexts {
  readonly #runs = new Map<string, RunContext>();

  set(token: string, run: RunContext): void {
    this.#runs.set(token, run);
    if (this.#runs.size > MAX_OPEN_RUNS) {
      const oldest = this.#runs.keys().next().value;
      if (oldest !== undefined) this.#runs.delete(oldest);
    }
  }

  get(token: unknown): RunContext | undefined {
    return typeof token === "string" ? this.#runs.get(token) : undefined;
  }

  take(token: unknown): RunContext | undefined {
    const run = this.get(token);
    if (run) this.#runs.delete(token as string);
    return run;
  }
}
