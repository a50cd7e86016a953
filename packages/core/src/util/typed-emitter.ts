/**
 * A minimal typed event emitter: listeners run synchronously in registration order. A listener
 * that throws never breaks the emitter's caller: the error goes to `onListenerError` (by default
 * nowhere), and the other listeners still run.
 */
export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  on<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): this {
    const set = this.listeners.get(name) ?? new Set();
    this.listeners.set(name, set);
    set.add(listener as (payload: never) => void);
    return this;
  }

  off<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): this {
    this.listeners.get(name)?.delete(listener as (payload: never) => void);
    return this;
  }

  protected emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        (listener as (p: Events[K]) => void)(payload);
      } catch (error) {
        this.onListenerError(String(name), error);
      }
    }
  }

  /** Called when a listener of `event` throws. Must not throw itself. */
  protected onListenerError(_event: string, _error: unknown): void {}
}
