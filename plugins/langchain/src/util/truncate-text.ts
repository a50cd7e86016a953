/**
 * Cut `text` to at most `maxChars`, keeping its head and its tail (an attempt's start holds its
 * approach and its end the final answer), with a marker where the middle was.
 */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const marker = "\n[…]\n";
  if (maxChars <= marker.length + 2) return text.slice(0, Math.max(0, maxChars));
  const keep = maxChars - marker.length;
  const head = Math.ceil(keep / 2);
  return `${text.slice(0, head)}${marker}${text.slice(text.length - (keep - head))}`;
}
