import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@lanpo/core";

/** Where {@link resolveRayAuthToken} looks; injectable for tests. */
export interface RayAuthTokenSources {
  /** @default process.env */
  env?: Record<string, string | undefined>;
  /** @default os.homedir() */
  home?: string;
}

/**
 * The token for a cluster with `RAY_AUTH_MODE=token` (Ray >= 2.52), looked up as Ray's own tools
 * do: the explicit option, then `RAY_AUTH_TOKEN`, then the file named by `RAY_AUTH_TOKEN_PATH`,
 * then `~/.ray/auth_token`. Undefined when none is set (clusters without token auth need none).
 * A `RAY_AUTH_TOKEN_PATH` that cannot be read is a ConfigError: the user asked for that file.
 */
export function resolveRayAuthToken(
  explicit: string | undefined,
  sources: RayAuthTokenSources = {},
): string | undefined {
  if (explicit !== undefined && explicit.trim() !== "") return explicit.trim();
  const env = sources.env ?? process.env;
  const fromEnv = env.RAY_AUTH_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const path = env.RAY_AUTH_TOKEN_PATH?.trim();
  if (path) {
    try {
      const token = readFileSync(path, "utf8").trim();
      if (token !== "") return token;
    } catch (cause) {
      throw new ConfigError(
        "RAY_AUTH_TOKEN_PATH",
        `cannot read the token file ${path} (${(cause as NodeJS.ErrnoException).code ?? "error"}); fix the path or unset it`,
        { cause },
      );
    }
    throw new ConfigError(
      "RAY_AUTH_TOKEN_PATH",
      `the token file ${path} is empty; write the token into it or unset it`,
    );
  }
  try {
    const token = readFileSync(join(sources.home ?? homedir(), ".ray", "auth_token"), "utf8").trim();
    return token === "" ? undefined : token;
  } catch {
    return undefined;
  }
}
