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
 * Open runs. Inside one agent run they are told apart by the human message that started the run
 * (its id, which LangGraph's message reducer sets, else the message object itself): every model
 * call of the run sees that message. Concurrent runs may share that message (the same
 * `HumanMessage` sent to several runs at once, as when sampling several attempts at one task),
 * so runs are first told apart by their `scope`: the stream writer LangGraph gives each
 * invocation's runtime. Without one, all runs share one scope.
 */
export class RunContexts {
  readonly #scoped = new WeakMap<object, Map<unknown, RunContext>>();
  readonly #unscoped = new Map<unknown, RunContext>();

  #runsOf(scope: unknown, create: boolean): Map<unknown, RunContext> | undefined {
    if ((typeof scope !== "object" && typeof scope !== "function") || scope === null) return this.#unscoped;
    let runs = this.#scoped.get(scope);
    if (!runs && create) {
      runs = new Map();
      this.#scoped.set(scope, runs);
    }
    return runs;
  }

  set(scope: unknown, key: unknown, run: RunContext): void {
    const runs = this.#runsOf(scope, true) as Map<unknown, RunContext>;
    runs.set(key, run);
    if (runs.size > MAX_OPEN_RUNS) runs.delete(runs.keys().next().value);
  }

  get(scope: unknown, key: unknown): RunContext | undefined {
    return this.#runsOf(scope, false)?.get(key);
  }

  delete(scope: unknown, key: unknown): void {
    this.#runsOf(scope, false)?.delete(key);
  }
}
