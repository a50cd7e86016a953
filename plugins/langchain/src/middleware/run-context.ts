import type { LanpoTask } from "./lanpo-middleware-options.js";

/** What LANPO prepared and saw during one agent run; kept in process, keyed by the run's task message. */
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

/**
 * Open runs, keyed by the human message that started them (its id, which LangGraph's message
 * reducer sets, else the message object itself): every model call of one run sees that message.
 */
export class RunContexts {
  readonly #runs = new Map<unknown, RunContext>();

  set(key: unknown, run: RunContext): void {
    this.#runs.set(key, run);
    if (this.#runs.size > MAX_OPEN_RUNS) this.#runs.delete(this.#runs.keys().next().value);
  }

  get(key: unknown): RunContext | undefined {
    return this.#runs.get(key);
  }

  delete(key: unknown): void {
    this.#runs.delete(key);
  }
}
