/** One math span of a text: where it starts and ends (delimiters included), and its content. */
export interface Segment {
  start: number;
  end: number;
  content: string;
}

/**
 * `$$…$$`, `\[…\]`, `\(…\)` and `$…$` spans, left to right, in linear time: once a closing
 * delimiter is missing it is missing for every later opening too, so that kind stops.
 */
export function mathSegments(text: string): Segment[] {
  const out: Segment[] = [];
  const exhausted = new Set<string>();
  const pairs: Array<[string, string]> = [
    ["$$", "$$"],
    ["\\[", "\\]"],
    ["\\(", "\\)"],
    ["$", "$"],
  ];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== "$" && c !== "\\") {
      i++;
      continue;
    }
    if (c === "\\" && text[i + 1] === "$") {
      i += 2;
      continue;
    }
    const pair = pairs.find(([open]) => text.startsWith(open, i));
    if (!pair || exhausted.has(pair[0])) {
      i += pair ? pair[0].length : 1;
      continue;
    }
    const [open, close] = pair;
    let j = text.indexOf(close, i + open.length);
    while (open === "$" && j > 0 && text[j - 1] === "\\") j = text.indexOf(close, j + 1);
    if (j < 0) {
      exhausted.add(open);
      i += open.length;
      continue;
    }
    const content = text.slice(i + open.length, j);
    if (content.trim()) out.push({ start: i, end: j + close.length, content });
    i = j + close.length;
  }
  return out;
}

/** The text with every math span replaced by `fill` characters (positions kept). */
export function maskMath(text: string, segments: Segment[], fill: string): string {
  let out = "";
  let at = 0;
  for (const s of segments) {
    out += text.slice(at, s.start) + fill.repeat(s.end - s.start);
    at = s.end;
  }
  return out + text.slice(at);
}
