import { LanpoError } from "./lanpo-error.js";

/** An option or config-file field is missing or malformed. `field` is its dotted path. */
export class ConfigError extends LanpoError {
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(`config field "${field}": ${message}`, options);
    this.name = "ConfigError";
    this.field = field;
  }

  static override isInstance(error: unknown): error is ConfigError {
    return LanpoError.isInstance(error) && error.name === "ConfigError";
  }
}
