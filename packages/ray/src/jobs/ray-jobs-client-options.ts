import type { BackoffOptions } from "../http/backoff.js";

/** Options of {@link RayJobsClient}. */
export interface RayJobsClientOptions {
  /** The dashboard's address, e.g. `http://head-node:8265` (a path prefix behind a proxy is kept). */
  address: string;
  /**
   * Token for a cluster with `RAY_AUTH_MODE=token` (Ray >= 2.52).
   * @default RAY_AUTH_TOKEN, else the file at RAY_AUTH_TOKEN_PATH, else ~/.ray/auth_token, else none
   */
  token?: string;
  /**
   * The header that carries the token. Use `x-ray-authorization` when a proxy in front of the
   * dashboard takes `Authorization` for itself (KubeRay does).
   * @default "authorization"
   */
  tokenHeader?: "authorization" | "x-ray-authorization";
  /** Extra headers on every request, e.g. an authenticating proxy's cookie. @default {} */
  headers?: Record<string, string>;
  /** Time limit of one request, in milliseconds. @default 30000 */
  timeoutMs?: number;
  /** Retries after a connection error, a timeout or a 5xx (never after a 4xx). @default 3 */
  retries?: number;
  /** Backoff between retries (exponential with jitter). @default { initialDelayMs: 200, maxDelayMs: 10000 } */
  backoff?: BackoffOptions;
  /** Environment the token is looked up in. @default process.env */
  env?: Record<string, string | undefined>;
  /** Home folder holding `.ray/auth_token`. @default os.homedir() */
  home?: string;
  /** Generates submission ids when none is given. @default `raysubmit_` + 16 random characters, as Ray does */
  generateSubmissionId?: () => string;
}
