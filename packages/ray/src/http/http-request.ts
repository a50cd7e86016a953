/** One HTTP request, as {@link httpRequest} sends it. */
export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  /** A string is sent as is; bytes are sent raw. */
  body?: string | Uint8Array;
  /** Abort the request after this long. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What came back: any status (a 4xx or 5xx is an answer, not a throw). */
export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * A request that got no HTTP answer: refused or dropped connection, DNS failure, timeout.
 * `kind` says which, `timeout` when `timeoutMs` passed first.
 */
export class HttpConnectionFailure extends Error {
  readonly kind: "timeout" | "aborted" | "connection";
  constructor(kind: "timeout" | "aborted" | "connection", message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HttpConnectionFailure";
    this.kind = kind;
  }
}

/**
 * Sends one request with fetch and reads the whole body as text. Resolves for every HTTP status;
 * rejects with {@link HttpConnectionFailure} only when no answer came back.
 */
export async function httpRequest(request: HttpRequest): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
      redirect: "follow",
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (error) {
    if (timeout.aborted) {
      throw new HttpConnectionFailure("timeout", `no answer within ${request.timeoutMs} ms`, { cause: error });
    }
    if (request.signal?.aborted)
      throw new HttpConnectionFailure("aborted", "the request was aborted", { cause: error });
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new HttpConnectionFailure("connection", `connection failed (${detail})`, { cause: error });
  }
}
