/** The final answer found in a text, and whether it came from prose (decimal commas allowed). */
export interface ExtractedAnswer {
  answer: string;
  /** `boxed`, `phrase` ("the answer is"), `math` (last display/inline math), `number`, `whole`. */
  source: "boxed" | "phrase" | "math" | "number" | "whole";
  plainText: boolean;
}

/** Longer texts are cut to their tail: the final answer is at the end, and regexes stay linear. */
const MAX_SCAN_CHARS = 200_000;
const MAX_WHOLE_ANSWER_CHARS = 200;
const MAX_JOINED_BOXES = 50;

const PHRASE =
  /(?:final\s+answer|the\s+answer|answer)\s*(?:is\s*:?|:|=)\s*|####\s*|答案\s*(?:是|为|：|:)\s*|(?:la\s+respuesta|la\s+réponse|réponse)\s*(?:est|es|:)\s*|(?:antwort|ответ)\s*(?:ist|:)?\s*:\s*/gi;
const TEXT_NUMBER = /(?<![A-Za-z0-9.,\\])-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+)(?![0-9])(?:\s?%)?/g;
const GLUED_SEPARATOR = /(?<=[\d)\]}])(?:and|or)(?=[A-Za-z0-9(\\[{-])/g;
const NON_ANSWER_WORDS =
  /^(?:and|or|percent|percentage|pct|units?|square|cubic|miles?|meters?|metres?|feet|inches|hours?|minutes?|seconds?|days?|years?|dollars?|cents?|yuan|degrees?|sin|cos|tan|sec|csc|cot|log|exp|sqrt|frac|dfrac|tfrac|text|textbf|mbox|textnormal|mathrm|left|right|cdot|times|pi|infty|boxed|begin|end|pmatrix|bmatrix|matrix|quad|qquad|approx|leq|geq|neq|cup|pm)$/i;

interface Boxed {
  start: number;
  end: number;
  content: string;
}

/** Model outputs sometimes arrive JSON-escaped twice (`\\frac`); undo that for commands only. */
function fixDoubleEscapes(text: string): string {
  if (!/\\\\(?:boxed|frac|dfrac|sqrt|left|right|pi|text|cdot|infty|begin)(?![a-zA-Z])/.test(text)) return text;
  return text.replace(/(?<!\\)\\\\(?=[a-zA-Z])/g, "\\").replace(/\\n(?![a-zA-Z])/g, "\n");
}

function findBoxed(text: string): Boxed[] {
  const out: Boxed[] = [];
  const re = /\\(?:boxed|fbox)\s*/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const open = m.index + m[0].length;
    if (text[open] !== "{") {
      const token = /^[^\s$]+/.exec(text.slice(open, open + 100));
      if (token) out.push({ start: m.index, end: open + token[0].length, content: token[0] });
      continue;
    }
    let depth = 0;
    let i = open;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === "\\") {
        i++;
        continue;
      }
      if (c === "{") depth++;
      else if (c === "}" && --depth === 0) break;
    }
    out.push({ start: m.index, end: Math.min(i + 1, text.length), content: text.slice(open + 1, i) });
    re.lastIndex = Math.min(i + 1, text.length);
  }
  return out;
}

/** Several boxes separated only by "and", commas or spacing are one answer (`\boxed{1}, \boxed{2}`). */
function joinBoxes(boxes: Boxed[], text: string): string {
  const last = boxes[boxes.length - 1] as Boxed;
  const parts = [last.content];
  for (let i = boxes.length - 2; i >= 0 && parts.length < MAX_JOINED_BOXES; i--) {
    const gap = text.slice((boxes[i] as Boxed).end, (boxes[i + 1] as Boxed).start);
    const words = gap
      .replace(/\\[a-zA-Z]+|[{}$,;&\\()]/g, " ")
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    if (gap.length > 40 || /[.=:0-9]/.test(gap) || words.length > 3) break;
    parts.unshift((boxes[i] as Boxed).content);
  }
  return parts.join(",");
}

interface Segment {
  start: number;
  end: number;
  content: string;
}

/**
 * `$$…$$`, `\[…\]`, `\(…\)` and `$…$` spans, left to right, in linear time: once a closing
 * delimiter is missing it is missing for every later opening too, so that kind stops.
 */
function mathSegments(text: string): Segment[] {
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
function maskMath(text: string, segments: Segment[], fill: string): string {
  let out = "";
  let at = 0;
  for (const s of segments) {
    out += text.slice(at, s.start) + fill.repeat(s.end - s.start);
    at = s.end;
  }
  return out + text.slice(at);
}

/** True when the text reads as a bare answer (no prose words outside math and `\text{}`). */
function looksLikeBareAnswer(text: string): boolean {
  if (text.length > MAX_WHOLE_ANSWER_CHARS) return false;
  const outside = maskMath(text, mathSegments(text), " ")
    .replace(/\\(?:text|textbf|mbox|textnormal|mathrm)\s*\{[^{}]*\}/g, " ")
    .replace(GLUED_SEPARATOR, " ")
    .replace(/\\[a-zA-Z]+/g, " ");
  const words = outside.match(/[A-Za-z\u00C0-\u024F\u0400-\u04FF]{3,}/g) ?? [];
  return words.every((w) => NON_ANSWER_WORDS.test(w));
}

/** The answer inside a stretch of text that has no box: all of it, or its last math or number. */
function resolve(text: string): ExtractedAnswer | undefined {
  const trimmed = text
    .trim()
    .replace(/^[*_\s]+|[*_\s]+$/g, "")
    .replace(/^(?:final\s+)?answer\s*[:：]?[*_\s]*/i, "")
    .replace(/^\\?["“]|\\?["”]$/g, "")
    .trim();
  if (!trimmed) return undefined;
  const hasMath = /\$|\\\[|\\\(/.test(trimmed);
  if (looksLikeBareAnswer(trimmed)) {
    const clean = trimmed.replace(/[.。,;]+$/, "").trim();
    const only = mathSegments(clean);
    // One math span and nothing else: its content is the answer.
    if (only.length === 1 && only[0]?.start === 0 && only[0].end === clean.length)
      return { answer: only[0].content.trim(), source: "whole", plainText: false };
    return { answer: clean, source: "whole", plainText: !hasMath && !clean.includes("\\") };
  }
  let best: ExtractedAnswer | undefined;
  let bestAt = -1;
  const segments = mathSegments(trimmed);
  for (const s of segments) {
    if (s.start > bestAt) {
      best = { answer: s.content, source: "math", plainText: false };
      bestAt = s.start;
    }
  }
  const outside = maskMath(trimmed, segments, " ");
  TEXT_NUMBER.lastIndex = 0;
  for (let m = TEXT_NUMBER.exec(outside); m !== null; m = TEXT_NUMBER.exec(outside)) {
    if (m.index > bestAt) {
      best = { answer: m[0], source: "number", plainText: true };
      bestAt = m.index;
    }
  }
  if (best) return best;
  // A short text answer ("Monday", "odd"); a sentence with no math and no number has no answer.
  const short = trimmed.length <= 60 && trimmed.split(/\s+/).length <= 4;
  return short ? { answer: trimmed, source: "whole", plainText: true } : undefined;
}

/** The text after the last "the answer is"-like phrase, up to the end of its sentence. */
function afterPhrase(text: string): string | undefined {
  let last: RegExpExecArray | undefined;
  PHRASE.lastIndex = 0;
  for (let m = PHRASE.exec(text); m !== null; m = PHRASE.exec(text)) {
    last = m;
    if (m[0].length === 0) PHRASE.lastIndex++;
  }
  if (!last) return undefined;
  let rest = text.slice(last.index + last[0].length);
  const cut = /\n\s*\n|\s+I hope|<\|/.exec(rest);
  if (cut) rest = rest.slice(0, cut.index);
  // End of sentence: a period followed by a space or the end, outside math.
  let inMath = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === "\\" && rest[i + 1] === "$") {
      i++;
      continue;
    }
    if (c === "$") inMath = !inMath;
    else if (!inMath && (c === "\n" || (c === "." && /\s/.test(rest[i + 1] ?? " ") && i + 1 < rest.length))) {
      rest = rest.slice(0, i);
      break;
    }
  }
  const masked = maskMath(rest, mathSegments(rest), "#");
  const is = masked.lastIndexOf(" is ");
  if (is >= 0) rest = rest.slice(is + 4);
  return rest.trim() || undefined;
}

/** Like {@link extractAnswer}, and says where the answer came from. Never throws. */
export function extractAnswerDetailed(text: unknown): ExtractedAnswer | undefined {
  if (typeof text !== "string") return undefined;
  let t = text.length > MAX_SCAN_CHARS ? text.slice(-MAX_SCAN_CHARS) : text;
  t = fixDoubleEscapes(t);
  const boxes = findBoxed(t);
  if (boxes.length > 0) {
    const answer = joinBoxes(boxes, t).trim();
    if (answer) return { answer, source: "boxed", plainText: false };
  }
  const phrase = afterPhrase(t);
  if (phrase) {
    const r = resolve(phrase);
    if (r) return { ...r, source: r.source === "whole" ? "phrase" : r.source };
  }
  return resolve(t);
}

/**
 * The final answer of a completion: the last `\boxed{}`/`\fbox{}` (adjacent boxes joined), else
 * the text after "the final answer is" / "Final Answer:" / `####`, else the whole text when it
 * is a bare answer, else the last display or inline math or number. `undefined` when there is none.
 *
 * @example extractAnswer("so $x = \\boxed{\\frac{1}{2}}$.") // "\\frac{1}{2}"
 */
export function extractAnswer(text: unknown): string | undefined {
  return extractAnswerDetailed(text)?.answer;
}
