import type { Problem } from "@lanpo/core";
import { questionKey } from "@lanpo/core";

/** Finds the problem a prompt or a whole query was generated from. */
export interface ProblemLookup {
  /** The problem whose question `text` contains (the longest, when several do), or undefined. */
  findInText(text: string): Problem | undefined;
}

const ANCHOR_TOKENS = 8;

/**
 * A {@link ProblemLookup} over a data set's problems. It matches on {@link questionKey} tokens, so
 * a question is found inside a chat-templated prompt (`<|im_start|>user\n...`) whatever the
 * spacing, case or punctuation around it. Lookups cost one pass over the text's tokens (each
 * window of 8 tokens is looked up in a map), not one scan per problem; recent texts are cached.
 *
 * @example
 * ```ts
 * const index = new ProblemIndex(loadDataset({ dataset: "gsm8k" }).problems);
 * index.findInText("<|im_start|>user\nJanet has 3 apples...<|im_end|>...")?.answer;
 * ```
 */
export class ProblemIndex implements ProblemLookup {
  readonly size: number;
  readonly #byAnchor = new Map<string, { problem: Problem; tokens: string[] }[]>();
  readonly #anchorLengths = new Set<number>();
  readonly #cache = new Map<string, Problem | undefined>();
  readonly #cacheSize: number;

  constructor(problems: readonly Problem[], options: { cacheSize?: number } = {}) {
    this.#cacheSize = options.cacheSize ?? 10_000;
    for (const problem of problems) {
      const tokens = questionKey(problem.question).split(" ").filter(Boolean);
      if (tokens.length === 0) continue;
      const length = Math.min(ANCHOR_TOKENS, tokens.length);
      const anchor = tokens.slice(0, length).join(" ");
      const list = this.#byAnchor.get(anchor) ?? [];
      list.push({ problem, tokens });
      this.#byAnchor.set(anchor, list);
      this.#anchorLengths.add(length);
    }
    this.size = problems.length;
  }

  findInText(text: string): Problem | undefined {
    if (this.#cache.has(text)) return this.#cache.get(text);
    const found = this.#search(text);
    if (this.#cache.size >= this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(text, found);
    return found;
  }

  #search(text: string): Problem | undefined {
    const tokens = questionKey(text).split(" ").filter(Boolean);
    let best: { problem: Problem; length: number } | undefined;
    for (const length of this.#anchorLengths) {
      for (let start = 0; start + length <= tokens.length; start++) {
        const candidates = this.#byAnchor.get(tokens.slice(start, start + length).join(" "));
        if (!candidates) continue;
        for (const candidate of candidates) {
          if (best && candidate.tokens.length <= best.length) continue;
          if (start + candidate.tokens.length > tokens.length) continue;
          let match = true;
          for (let i = length; i < candidate.tokens.length; i++) {
            if (tokens[start + i] !== candidate.tokens[i]) {
              match = false;
              break;
            }
          }
          if (match) best = { problem: candidate.problem, length: candidate.tokens.length };
        }
      }
    }
    return best?.problem;
  }
}
