const MARKER = "lanpo.error";
const SYMBOL = Symbol.for(MARKER);

/**
 * Base of every error this project throws. The marker survives duplicate package copies, so use
 * `LanpoError.isInstance(e)` rather than `instanceof` across package boundaries.
 * Messages say what was wrong and what to do about it.
 */
export class LanpoError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, SYMBOL, { value: true });
    this.name = "LanpoError";
  }

  static isInstance(error: unknown): error is LanpoError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[SYMBOL] === true;
  }
}
