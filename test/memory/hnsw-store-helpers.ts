import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { mulberry32 } from "@lanpo/core";

export async function tempDir(prefix = "lanpo-store-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export function randomVectors(count: number, dims: number, seed = 1): number[][] {
  const next = mulberry32(seed);
  return Array.from({ length: count }, () => Array.from({ length: dims }, () => next() * 2 - 1));
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] ?? 0) * (b[i] ?? 0);
    na += (a[i] ?? 0) ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Maps each known text to a fixed vector; unknown texts get a hashed one. Counts calls. */
export class TableEmbeddings implements EmbeddingsInterface {
  calls = 0;
  constructor(
    readonly dims: number,
    private readonly table: Record<string, number[]> = {},
  ) {}
  async embedDocuments(texts: string[]): Promise<number[][]> {
    this.calls++;
    return texts.map((t) => this.vector(t));
  }
  async embedQuery(text: string): Promise<number[]> {
    this.calls++;
    return this.vector(text);
  }
  vector(text: string): number[] {
    const known = this.table[text];
    if (known) return known;
    let h = 2166136261;
    for (const c of text) h = Math.imul(h ^ (c.codePointAt(0) ?? 0), 16777619);
    return randomVectors(1, this.dims, h)[0] as number[];
  }
}

/**
 * Runs store-crash-writer.ts on `dir` (with `args`), which saves a growing store over and over,
 * and SIGKILLs it `delayMs` after it has reported `saves` completed saves: somewhere inside the
 * next one. Returns the sizes of the saves it reported.
 */
export async function killWriterMidSave(
  dir: string,
  args: string[],
  saves: number,
  delayMs: number,
): Promise<number[]> {
  const writer = fileURLToPath(new URL("./store-crash-writer.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import=tsx", "--conditions=source", writer, dir, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const saved: number[] = [];
  await new Promise<void>((resolve) => {
    child.stdout.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) if (line.startsWith("saved ")) saved.push(Number(line.slice(6)));
      if (saved.length >= saves) setTimeout(() => child.kill("SIGKILL"), delayMs);
    });
    child.on("exit", () => resolve());
  });
  return saved;
}
