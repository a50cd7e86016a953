/**
 * Token estimates for budgeting feedback. Four characters a token is the usual rule of thumb for
 * English and LaTeX with BPE tokenizers; budgets only need to be right to within tens of percent.
 */
export const CHARS_PER_TOKEN = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * Cut `text` to about `maxTokens`, keeping its head and its tail: the end of an attempt holds its
 * final answer and the start its approach, and a reflection needs both.
 */
export function truncateToTokens(text: string, maxTokens: number): string {
  const maxChars = Math.max(0, Math.floor(maxTokens * CHARS_PER_TOKEN));
  if (text.length <= maxChars) return text;
  const marker = "\n[…]\n";
  if (maxChars <= marker.length + 2) return text.slice(0, maxChars);
  const keep = maxChars - marker.length;
  const head = Math.ceil(keep / 2);
  return `${text.slice(0, head)}${marker}${text.slice(text.length - (keep - head))}`;
}
