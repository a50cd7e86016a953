import { ConfigError } from "@lanpo/core";
import { ModelServerError } from "./model-server-error.js";

/** Options of {@link checkModelServer}. */
export interface CheckModelServerOptions {
  /** OpenAI-compatible base URL, e.g. `http://localhost:8000/v1`. */
  baseUrl: string;
  apiKey: string | null;
  /** The model asked for; null picks the only one the server lists. */
  model: string | null;
  /** How long to wait for `GET /models`. @default 5000 */
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * The OpenAI base URL: servers are reached at `.../v1`, and people often leave it off
 * (`http://localhost:8000`), so it is added when missing.
 */
export function openAiBaseUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, "");
  return /\/v1$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

const START_HINT =
  "start the server (for example `vllm serve MODEL --port 8000` or `ollama serve`), or fix --model-url; it is the OpenAI-compatible base such as http://localhost:8000/v1; leave --model-url out to run the offline scripted policy";

/**
 * Asks the server for its models (`GET {baseUrl}/models`) before any work starts, so a wrong URL
 * or key fails in seconds with a {@link ModelServerError} instead of as hundreds of failed rollouts.
 * Resolves to the model name to use.
 */
export async function checkModelServer(options: CheckModelServerOptions): Promise<string> {
  const {
    baseUrl,
    apiKey,
    model,
    timeoutMs,
    fetch: fetchFn,
  } = { timeoutMs: 5000, fetch: globalThis.fetch, ...options };
  const url = `${openAiBaseUrl(baseUrl)}/models`;
  let response: Response;
  try {
    response = await fetchFn(url, {
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (cause) {
    const code = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).name;
    const why =
      code === "TimeoutError" ? `no answer within ${timeoutMs} ms` : `cannot connect (${code ?? String(cause)})`;
    throw new ModelServerError(url, `${why}; ${START_HINT}`, { cause });
  }
  if (response.status === 401 || response.status === 403) {
    throw new ModelServerError(
      url,
      `refused the API key (HTTP ${response.status}); pass --api-key KEY or set OPENAI_API_KEY`,
      { status: response.status },
    );
  }
  if (!response.ok) {
    throw new ModelServerError(
      url,
      `answered HTTP ${response.status} to GET /models; is this an OpenAI-compatible server? ${START_HINT}`,
      { status: response.status },
    );
  }
  let ids: string[];
  try {
    const body = (await response.json()) as { data?: { id?: unknown }[] };
    if (!Array.isArray(body.data)) throw new Error("no `data` array");
    ids = body.data.map((m) => m.id).filter((id): id is string => typeof id === "string");
  } catch (cause) {
    throw new ModelServerError(
      url,
      `GET /models did not return an OpenAI model list ({"data": [{"id": ...}]}): ${(cause as Error).message}; point --model-url at an OpenAI-compatible server`,
      { status: response.status, cause },
    );
  }
  const listed = ids.length > 10 ? `${ids.slice(0, 10).join(", ")} and ${ids.length - 10} more` : ids.join(", ");
  if (model === null) {
    if (ids.length === 1) return ids[0] as string;
    throw new ConfigError(
      "model",
      ids.length === 0
        ? `is missing and ${url} lists no models; pass --model NAME`
        : `is missing and the server offers several models; pass --model with one of: ${listed}`,
    );
  }
  if (ids.length > 0 && !ids.includes(model)) {
    throw new ConfigError("model", `"${model}" is not served by ${url}; pass --model with one of: ${listed}`);
  }
  return model;
}
