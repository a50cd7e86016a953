import WebSocket from "ws";
import { RayJobsError, summarizeRayBody } from "./ray-jobs-error.js";

/** What {@link tailJobLogs} needs: the socket URL and the headers of every request. */
export interface TailJobLogsRequest {
  url: string;
  headers: Record<string, string>;
  signal?: AbortSignal;
  /** Limit on opening the socket, in milliseconds. */
  timeoutMs: number;
}

/**
 * The `/logs/tail` WebSocket as an async iterator of text chunks (each one or more log lines).
 * It ends when the server closes the socket normally (the job is terminal and its log is read);
 * an abnormal close (1006: the connection dropped) or an HTTP error before the upgrade (404 for an
 * unknown job) throws a {@link RayJobsError}. Breaking out of the loop closes the socket.
 */
export async function* tailJobLogs(request: TailJobLogsRequest): AsyncGenerator<string, void, undefined> {
  const socket = new WebSocket(request.url, { headers: request.headers, handshakeTimeout: request.timeoutMs });
  const chunks: string[] = [];
  let done = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const fail = (status: number | undefined, body: string, message: string, cause?: unknown) => {
    failure ??= new RayJobsError(message, { status, body, method: "GET", url: request.url, cause });
    done = true;
    notify();
  };
  socket.on("message", (data, isBinary) => {
    chunks.push(isBinary ? Buffer.from(data as Buffer).toString("utf8") : data.toString());
    notify();
  });
  socket.on("unexpected-response", (_req, res) => {
    const parts: Buffer[] = [];
    res.on("data", (d: Buffer) => parts.push(d));
    res.on("end", () => {
      const body = Buffer.concat(parts).toString("utf8");
      fail(
        res.statusCode,
        body,
        `tailing logs failed with HTTP ${res.statusCode}: ${summarizeRayBody(body) || res.statusMessage}`,
      );
      socket.terminate();
    });
  });
  socket.on("error", (error) => {
    fail(undefined, "", `tailing logs failed: ${error.message}`, error);
  });
  socket.on("close", (code) => {
    if (code === 1006) {
      fail(undefined, "", "the log stream was cut off (WebSocket close 1006); the job's logs may be incomplete");
    }
    done = true;
    notify();
  });
  const onAbort = () => socket.close(1000);
  request.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    while (true) {
      const chunk = chunks.shift();
      if (chunk !== undefined) {
        yield chunk;
        continue;
      }
      if (done) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    if (failure && !request.signal?.aborted) throw failure;
  } finally {
    request.signal?.removeEventListener("abort", onAbort);
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.terminate();
  }
}
