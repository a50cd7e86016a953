import type { Problem } from "../types/problem.js";

const NUMBER = /-?\d[\d,]*(?:\.\d+)?/g;

function lastNumber(text: string): number | undefined {
  const boxed = [...text.matchAll(/\\boxed\s*\{([^{}]*)\}/g)].at(-1)?.[1];
  const marked = /####\s*(.+)$/m.exec(text)?.[1];
  const answerIs = [...text.matchAll(/answer is[:\s]*\$?\s*([^\s$]+)/gi)].at(-1)?.[1];
  const source = boxed ?? marked ?? answerIs ?? text;
  const match = [...source.matchAll(NUMBER)].at(-1)?.[0];
  if (match === undefined) return undefined;
  const value = Number(match.replace(/,/g, ""));
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Exact numeric reward for GSM8K-style problems: 1 when the completion's final number (the last
 * `\boxed{}`, else `#### N`, else "the answer is N", else the last number) equals the gold answer's
 * final number, else 0. `@lanpo/verify`'s `mathReward` is the general reward; this one needs nothing
 * but core and is what tests and the offline default use for GSM8K.
 */
export function gsm8kReward(problem: Problem, completion: string): number {
  const gold = lastNumber(problem.answer);
  if (gold === undefined) return 0;
  const pred = lastNumber(completion);
  return pred !== undefined && Math.abs(pred - gold) <= 1e-9 * Math.max(1, Math.abs(gold)) ? 1 : 0;
}
