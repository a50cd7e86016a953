import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Problem } from "@lanpo/core";
import { ConfigError } from "@lanpo/core";
import { GroupedPoolWriter } from "./grouped-pool-writer.js";
import { type RewardReply, type RewardRequest, RewardRequestSchema } from "./reward-request-schema.js";
import type { RewardServerOptions } from "./reward-server-options.js";

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const SPECIAL_TOKENS = /<\|[^|>]{1,40}\|>|<\/?s>|<eos>|<bos>|<pad>/g;

/**
 * An OpenRLHF remote reward endpoint (`--reward.remote_url`, formerly `--remote_rm_url`):
 * `POST /get_reward` or `POST /` with `{ query, prompts?, labels? }`, answered `{ rewards, scores,
 * extra_logs }`. Current OpenRLHF sends one sample per request, concurrently, and empty arrays to
 * every URL but the first (answered with empty arrays); older versions send only `query`, whose
 * gold answer is then that of the data set's question the query contains. Every scored sample is
 * handed to the experience pool, grouped by problem, and written off the reply path. Malformed
 * JSON or fields are a 400 with a message, a body over the limit a 413, a missing token a 401.
 *
 * @example
 * ```ts
 * const server = new RewardServer({ score: mathReward, problems: new ProblemIndex(problems), pool });
 * await server.listen({ port: 5000 });
 * // openrlhf ... --reward.remote_url http://this-host:5000/get_reward
 * ```
 */
export class RewardServer {
  readonly #options: RewardServerOptions;
  readonly #maxBodyBytes: number;
  readonly #writer: GroupedPoolWriter | undefined;
  readonly #server: Server;
  #scored = 0;

  constructor(options: RewardServerOptions) {
    if (typeof options.score !== "function") throw new ConfigError("score", "must be a reward function");
    const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
    if (!(Number.isInteger(maxBodyBytes) && maxBodyBytes > 0)) {
      throw new ConfigError("maxBodyBytes", "must be a positive whole number of bytes");
    }
    if (options.groupSize != null && !(Number.isInteger(options.groupSize) && options.groupSize >= 1)) {
      throw new ConfigError("groupSize", "must be a whole number >= 1 (OpenRLHF's --n_samples_per_prompt)");
    }
    this.#options = options;
    this.#maxBodyBytes = maxBodyBytes;
    this.#writer = options.pool
      ? new GroupedPoolWriter({
          pool: options.pool,
          groupSize: options.groupSize,
          groupIdleMs: options.groupIdleMs,
          policyVersion: options.policyVersion ?? "openrlhf",
          onError: options.onError,
        })
      : undefined;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = 65_000;
  }

  /** Samples scored so far, and the pool writer's group counts. */
  get stats(): { scored: number; groupsCommitted: number; groupsFailed: number; groupsOpen: number } {
    const counts = this.#writer?.counts ?? { committed: 0, failed: 0, open: 0 };
    return {
      scored: this.#scored,
      groupsCommitted: counts.committed,
      groupsFailed: counts.failed,
      groupsOpen: counts.open,
    };
  }

  /** Starts listening; resolves the URL to give OpenRLHF (`.../get_reward`). */
  async listen(options: { port: number; host?: string }): Promise<string> {
    const host = options.host ?? "0.0.0.0";
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(options.port, host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    return `${this.url}/get_reward`;
  }

  /** `http://host:port` once listening. */
  get url(): string {
    const address = this.#server.address() as AddressInfo | null;
    if (!address) return "";
    const host = address.address === "0.0.0.0" || address.address === "::" ? "127.0.0.1" : address.address;
    return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
  }

  async #score(body: unknown): Promise<RewardReply> {
    const parsed = RewardRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RequestError(
        400,
        `${issue?.path.join(".") || "body"}: ${issue?.message ?? "is malformed"}; send {"query": [...], "prompts": [...], "labels": [...]}`,
      );
    }
    const request = parsed.data;
    const started = Date.now();
    const rewards = await Promise.all(request.query.map((query, i) => this.#scoreOne(request, query, i, started)));
    return { rewards, scores: rewards.map((r) => Math.min(1, Math.max(0, r))), extra_logs: {} };
  }

  /** Stops accepting requests, waits for those in progress, then commits every open group. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
    await this.#writer?.flush();
  }

  async #scoreOne(request: RewardRequest, query: string, i: number, started: number): Promise<number> {
    const prompt = request.prompts?.[i] ?? undefined;
    const label = request.labels?.[i] ?? null;
    const known = this.#options.problems?.findInText(prompt ?? query);
    if (label === null && !known) {
      throw new RequestError(
        400,
        `sample ${i} has no label and its ${prompt === undefined ? "query" : "prompt"} holds no question of the data set; pass --label_key to OpenRLHF, or start lanpo serve-reward with --dataset naming the training data`,
      );
    }
    const { sent, completion } = splitQuery(query, prompt, known);
    const problem: Problem = known
      ? { ...known, answer: label ?? known.answer }
      : {
          id: `prompt:${createHash("sha1")
            .update(prompt ?? query)
            .digest("hex")
            .slice(0, 16)}`,
          question: prompt ?? query,
          answer: label as string,
        };
    const empty = completion.trim() === "";
    // A bad completion is a scored completion: empty output is 0 without asking the verifier.
    const reward = empty ? 0 : Number(await this.#options.score(problem, completion));
    if (!Number.isFinite(reward)) throw new Error(`the reward function returned ${reward} for sample ${i}`);
    this.#scored++;
    this.#writer?.add({
      problemId: problem.id,
      prompt: prompt ?? (sent === "" ? query : sent),
      question: known?.question ?? prompt ?? query,
      completion,
      reward,
      status: empty ? "empty" : "ok",
      latencyMs: Date.now() - started,
    });
    return reward;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? "/").split("?")[0];
      if (req.method === "GET" && (path === "/health" || path === "/")) {
        return send(res, 200, { status: "ok", ...this.stats });
      }
      if (req.method !== "POST" || (path !== "/get_reward" && path !== "/")) {
        throw new RequestError(404, `no route ${req.method} ${path}; POST /get_reward (or /) with {"query": [...]}`);
      }
      if (this.#options.token && req.headers.authorization !== `Bearer ${this.#options.token}`) {
        throw new RequestError(401, "missing or wrong bearer token: send Authorization: Bearer <token>");
      }
      const text = await readBody(req, this.#maxBodyBytes);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw new RequestError(400, `the body is not JSON (${(error as Error).message})`);
      }
      send(res, 200, await this.#score(body));
    } catch (error) {
      if (error instanceof RequestError) {
        if (error.status === 413) res.setHeader("connection", "close");
        return send(res, error.status, { error: error.message });
      }
      this.#options.onError?.(error);
      send(res, 500, { error: `scoring failed: ${(error as Error)?.message ?? String(error)}` });
    }
  }
}

/**
 * Splits an OpenRLHF query (prompt + response, special tokens kept) into what was sent and the
 * response, with the chat template's special tokens taken out of the response.
 */
function splitQuery(
  query: string,
  prompt: string | undefined,
  known: Problem | undefined,
): { sent: string; completion: string } {
  let at = 0;
  if (prompt !== undefined && prompt !== "") {
    const found = query.lastIndexOf(prompt);
    if (found !== -1) at = found + prompt.length;
  } else if (known) {
    // Older trainers send prompt and response as one string: the response follows the question.
    const found = query.lastIndexOf(known.question);
    if (found !== -1) at = found + known.question.length;
  }
  const completion = query
    .slice(at)
    .replace(SPECIAL_TOKENS, "")
    .replace(/^\s*(?:assistant\s*\n)?/, "");
  return { sent: query.slice(0, at), completion };
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(
      new RequestError(
        413,
        `the body is ${declared} bytes, over the limit of ${limit}; send fewer samples per request`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new RequestError(413, `the body is over the limit of ${limit} bytes; send fewer samples per request`));
        return;
      }
      parts.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
