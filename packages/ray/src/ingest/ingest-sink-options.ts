/** Options of {@link IngestSink}. */
export interface IngestSinkOptions {
  /**
   * Base URL of the trainer's ingest: batches go to `{url}/v1/batches`, status is read from
   * `{url}/v1/status`. A Ray Serve deployment is at `http://<node>:8000/<route_prefix>`.
   */
  url: string;
  /** Sent as `Authorization: Bearer <token>` when set. @default none */
  token?: string;
  /** Extra headers on every request. @default {} */
  headers?: Record<string, string>;
  /**
   * Time limit of one request, in milliseconds. The reference trainer answers a batch once its
   * update is taken (up to `--ack-wait-s`, 120 s by default), so this is longer. @default 180000
   */
  timeoutMs?: number;
  /** Longest `Retry-After` honoured, in milliseconds (a longer one is cut to this). @default 60000 */
  maxRetryAfterMs?: number;
  /** Clock, for `Retry-After`. @default Date.now */
  now?: () => number;
}
