import { answerRegion, beforeRemarks } from "./answer-region.js";
import { DECIMAL_COMMA_PHRASE, FINAL_ANSWER_PHRASE, TRAILING_COPULA } from "./final-answer-phrases.js";
import { maskMath, mathSegments, type Segment } from "./math-segments.js";
import { type NumberWordRun, numberWordRuns, spelledNumber } from "./number-words.js";
import { otherScriptNumber } from "./other-numerals.js";

/** The final answer found in a text, and whether it came from prose (decimal commas allowed). */
export interface ExtractedAnswer {
  answer: string;
  /** `boxed`, `phrase` ("the answer is"), `math` (last display/inline math), `number`, `whole`. */
  source: "boxed" | "phrase" | "math" | "number" | "whole";
  plainText: boolean;
  /**
   * Every box's content, in order, when the answer came from boxes (a multi-part answer given
   * in separate boxes can then be compared with a gold list).
   */
  boxes?: string[];
  /**
   * The answers of the last final-answer phrases when a part label starts a line between each
   * two ("(a) … the answer is 5. (b) … the answer is 7."), in order: a multi-part answer given
   * by phrases rather than boxes.
   */
  parts?: string[];
  /**
   * The completion is in a language that writes decimal commas (its final-answer phrase is
   * French, German, Spanish, Portuguese, Italian or Russian): `2,5` is 2.5 and `1.000` is 1000.
   */
  decimalComma?: boolean;
}

/** Longer texts are cut to their tail: the final answer is at the end, and regexes stay linear. */
const MAX_SCAN_CHARS = 200_000;
const MAX_WHOLE_ANSWER_CHARS = 200;
const MAX_JOINED_BOXES = 50;

/**
 * A number in prose: grouped thousands (`1,000`, `1 000`; `1.000.000`, as two dots never make a
 * decimal), decimals (`2.5`, `2,74`, `.5`), a
 * fraction `13/28`, a percent; or a LaTeX fraction or root written without `$`.
 */
const TEXT_NUMBER =
  /(?<![A-Za-z0-9.,\\])[-−]?(?:\d{1,2}:\d{2}(?![0-9])|\d{1,3}(?:\.\d{3}){2,}(?![0-9])|\d{1,3}(?:[ .\u00a0\u202f]\d{3})+,\d+(?![0-9])|\d{1,3}(?:(?:,|\{,\})\d{3})+(?:\.\d+)?|\d{1,3}(?:[ '’\u00a0\u202f]\d{3})+(?![0-9])(?:\.\d+)?|\d+(?:[.,]\d+)?(?:\s?\/\s?\d+(?![.,]\d))?|\.\d+)(?![0-9])(?:\s?%)?|[-−]?\d*\s?\\[dt]?frac\s*(?:\{[^{}$]*\}|\d)\s*(?:\{[^{}$]*\}|\d)|[-−]?\d*\s?\\sqrt\s*(?:\[[^\]$]*\])?\s*(?:\{[^{}$]*\}|\d)/g;
/** "x is greater than or equal to": a letter, then a relation in words, just before a number. */
const PROSE_RELATION =
  /(?<![A-Za-z])([a-z])\s+is\s+(greater\s+than\s+or\s+equal\s+to|less\s+than\s+or\s+equal\s+to|greater\s+than|less\s+than|at\s+least|at\s+most)\s*$/i;
const RELATION_WORDS: Readonly<Record<string, string>> = {
  "greater than or equal to": "≥",
  "less than or equal to": "≤",
  "greater than": ">",
  "less than": "<",
  "at least": "≥",
  "at most": "≤",
};

/** The whole real line in words ("all real numbers"). */
const ALL_REALS = /\b(?:all|every)\s+real\s+numbers?\b/i;
const GLUED_SEPARATOR = /(?<=[\d)\]}])(?:and|or)(?=[A-Za-z0-9(\\[{-])/g;
const NON_ANSWER_WORDS =
  /^(?:and|or|percent|percentage|pct|units?|square|cubic|miles?|meters?|metres?|feet|inches|hours?|minutes?|seconds?|days?|years?|dollars?|cents?|yuan|degrees?|sin|cos|tan|sec|csc|cot|log|exp|sqrt|frac|dfrac|tfrac|text|textbf|mbox|textnormal|mathrm|left|right|cdot|times|pi|infty|boxed|begin|end|pmatrix|bmatrix|matrix|quad|qquad|approx|leq|geq|neq|cup|pm)$/i;

/** Two-letter words that only occur in sentences ("So $x = 2$", "It is 5"). */
const PROSE_SHORT_WORDS =
  /(?<!\p{L})(?:so|is|we|it|be|to|as|at|by|if|on|an|do|no|my|he|us|of|la|le|es|el|ist|да)(?!\p{L})/iu;

export interface Boxed {
  start: number;
  end: number;
  content: string;
}

/** Model outputs sometimes arrive JSON-escaped twice (`\\frac`); undo that for commands only. */
function fixDoubleEscapes(text: string): string {
  if (
    !/\\\\(?:boxed|frac|dfrac|tfrac|sqrt|left|right|pi|text|cdot|times|infty|begin|le|leq|ge|geq|neq|in|cup|pm|mathrm|circ)(?![a-zA-Z])/.test(
      text,
    )
  )
    return text;
  return text.replace(/(?<!\\)\\\\(?=[a-zA-Z])/g, "\\").replace(/\\n(?![a-zA-Z])/g, "\n");
}

/** Every `\boxed{}`/`\fbox{}` of a text, left to right (an empty box is skipped). */
export function findBoxed(text: string): Boxed[] {
  const out: Boxed[] = [];
  const re = /\\(?:boxed|fbox|framebox)\s*/g;
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
    const content = text.slice(open + 1, i);
    // An empty box says nothing; nor does one the text ends inside after closed boxes (a
    // repeating completion cut off at "\boxed{10" of "\boxed{100}"). Earlier boxes still count;
    // an unclosed box that is the only one takes the rest of the text.
    if (content.trim() !== "" && (i < text.length || out.length === 0))
      out.push({ start: m.index, end: Math.min(i + 1, text.length), content });
    re.lastIndex = Math.min(i + 1, text.length);
  }
  return out;
}

/** `y_1 = \boxed{…}`: the label written just before a box, kept with its content. */
const LABEL_BEFORE_BOX = /(?:^|[\s$(,;:])([A-Za-z](?:_\{?[A-Za-z0-9]{1,3}\}?)?(?:\([a-z]\))?)\s*=\s*\$?\s*$/;
/** Words allowed between the boxes of one answer: "and", "or", "for part (a)", "(b)". */
const JOINING_WORDS = /^(?:and|or|et|y|und|и|или|part|parts|for|the|a|b|c|d|i|ii|iii|iv|case|respectively|和|与|或)$/iu;

/** An operator before the letter: `m + n = \boxed{10}` boxes a sum, not the value of `n`. */
const OPERATOR_BEFORE = /[-+*/^×·]\s*$/;

/** The label written just before a box (`y_1`), when it labels the box rather than ends an expression. */
function labelBefore(text: string, at: number): string | undefined {
  const before = text.slice(Math.max(0, at - 24), at);
  const label = LABEL_BEFORE_BOX.exec(before);
  if (!label) return undefined;
  const letterAt = label.index + label[0].indexOf(label[1] as string);
  return OPERATOR_BEFORE.test(text.slice(Math.max(0, at - 24 - 8), at - before.length + letterAt))
    ? undefined
    : label[1];
}

/** Words between two boxes that restate the first as the second ("$\boxed{9^2}$, that is, $\boxed{81}$"). */
const RESTATING = /\b(?:that\s+is|i\.\s?e|which\s+is|equivalently|namely|simplif(?:ied|ies|y)|or\s+simply)\b/i;

function boxContent(box: Boxed, text: string): string {
  const label = labelBefore(text, box.start);
  return label && !/=/.test(box.content) ? `${label}=${box.content}` : box.content;
}

/**
 * Several boxes separated only by "and", commas, spacing or part labels are one answer
 * (`\boxed{1}, \boxed{2}`, `\boxed{(3,3)} \text{ for part (a) and } \boxed{(1,1)}`); a label
 * before each box is kept (`y_1 = \boxed{…}` and `y_2 = \boxed{…}`).
 */
function joinBoxes(boxes: Boxed[], text: string): string {
  const last = boxes[boxes.length - 1] as Boxed;
  const parts = [boxContent(last, text)];
  const labelled = labelBefore(text, last.start) !== undefined;
  for (let i = boxes.length - 2; i >= 0 && parts.length < MAX_JOINED_BOXES; i--) {
    const next = boxes[i + 1] as Boxed;
    let gap = text.slice((boxes[i] as Boxed).end, next.start);
    if (labelled) gap = gap.replace(LABEL_BEFORE_BOX, " ");
    const words = gap
      .replace(/\\(?:text|textbf|mbox|mathrm)\s*\{([^{}]*)\}/g, " $1 ")
      .replace(/\\[a-zA-Z]+|[{}$,;&\\()*+]/g, " ")
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    if (
      gap.length > 60 ||
      /[.=:0-9]/.test(gap) ||
      RESTATING.test(gap) ||
      (words.length > 3 && words.some((w) => !JOINING_WORDS.test(w)))
    )
      break;
    parts.unshift(boxContent(boxes[i] as Boxed, text));
  }
  // The same answer boxed twice in a row is one answer.
  return parts.filter((p, i) => i === 0 || p.trim() !== (parts[i - 1] as string).trim()).join(",");
}

/** True when the text reads as a bare answer (no prose words outside math and `\text{}`). */
function looksLikeBareAnswer(text: string): boolean {
  if (text.length > MAX_WHOLE_ANSWER_CHARS) return false;
  const outside = maskMath(text, mathSegments(text), " ")
    .replace(/\\(?:begin|end)\s*\{[^{}]*\}(?:\s*\{[clr|\s]*\})?/g, " ")
    .replace(/\\(?:text|textbf|mbox|textnormal|mathrm)\s*\{[^{}]*\}/g, " ")
    .replace(GLUED_SEPARATOR, " ")
    .replace(/\\[a-zA-Z]+/g, " ");
  // Any letter of a script without spaces between words (Chinese, Japanese, Thai…) is prose.
  if (
    /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Arabic}]/u.test(
      outside,
    )
  )
    return false;
  if (PROSE_SHORT_WORDS.test(outside)) return false;
  const words = outside.match(/\p{L}{3,}/gu) ?? [];
  return words.every((w) => NON_ANSWER_WORDS.test(w));
}

/**
 * The answer inside a stretch of text that has no box: all of it when it is a bare answer, else
 * its first (`pick: "first"`, right after an answer phrase) or last math or number.
 */
function resolve(text: string, pick: "first" | "last" = "last"): ExtractedAnswer | undefined {
  const trimmed = text
    .trim()
    .replace(TRAILING_COPULA, "")
    .replace(/^[*_\s]+|[*_\s]+$/g, "")
    .replace(/^(?:final\s+)?answer\s*[:：]?[*_\s]*/i, "")
    // "Answer: 12", "Answer — 12" (a hyphen only with a space after it: "-12" is negative).
    .replace(/^(?:[:：—–]|-(?=\s))\s*/, "")
    .replace(/^\\?["“]|\\?["”]$/g, "")
    .trim();
  if (!trimmed) return undefined;
  const hasMath = /\$|\\\[|\\\(/.test(trimmed);
  const spelledWhole = spelledNumber(trimmed) ?? otherScriptNumber(trimmed);
  if (spelledWhole !== undefined) return { answer: String(spelledWhole), source: "whole", plainText: true };
  if (looksLikeBareAnswer(trimmed)) {
    const clean = trimmed.replace(/[.。,;]+$/, "").trim();
    const only = mathSegments(clean);
    // One math span and nothing else: its content is the answer.
    if (only.length === 1 && only[0]?.start === 0 && only[0].end === clean.length)
      return { answer: only[0].content.trim(), source: "whole", plainText: false };
    return { answer: clean, source: "whole", plainText: !hasMath && !clean.includes("\\") };
  }
  const candidates: Array<{ at: number; answer: ExtractedAnswer }> = [];
  const segments = mathSegments(trimmed);
  for (const s of segments)
    candidates.push({ at: s.start, answer: { answer: s.content, source: "math", plainText: false } });
  const outside = maskMath(trimmed, segments, " ");
  TEXT_NUMBER.lastIndex = 0;
  for (let m = TEXT_NUMBER.exec(outside); m !== null; m = TEXT_NUMBER.exec(outside)) {
    const latex = m[0].includes("\\");
    let answer = m[0];
    // "3,5 metros", "2,5 €": a comma before a unit is a decimal comma.
    if (/^[-−]?\d+,\d{1,2}$/.test(answer) && /^\s?[\p{L}€£¥$]/u.test(outside.slice(m.index + answer.length)))
      answer = answer.replace(",", ".");
    candidates.push({ at: m.index, answer: { answer, source: "number", plainText: !latex } });
  }
  if (candidates.length > 0) {
    candidates.sort((a, b) => a.at - b.at);
    if (pick === "first") {
      const first = candidates[0] as (typeof candidates)[number];
      // "clear: 3 + 4 = 7": a computation that starts the answer states its last member.
      const chain = /^[-−]?\d[\d.,]*(?:\s*[-+*/×=]\s*[-−]?\d[\d.,]*)*\s*=\s*[-−]?\d[\d.,]*/.exec(
        outside.slice(first.at),
      );
      if (first.answer.source === "number" && chain) return { answer: chain[0], source: "number", plainText: true };
      return first.answer.source === "math" ? joinLeadingMath(trimmed, segments, first.answer, first.at) : first.answer;
    }
    const last = candidates[candidates.length - 1] as (typeof candidates)[number];
    // "…so the domain is all real numbers": the words after the last math state the answer.
    const reals = ALL_REALS.exec(outside.slice(last.at + last.answer.answer.length));
    if (reals) return { answer: reals[0], source: "whole", plainText: true };
    // "…gave away 8, so she has twelve apples left": a last clause with no digits or math states
    // its result in words.
    const clause = lastClauseStart(outside);
    const tail = outside.slice(clause - 1);
    if (last.at < clause && (CONCLUDING_CLAUSE.test(tail) || TOTAL_WORDS.test(tail))) {
      const words = statedNumberWords(outside).filter((r) => r.start >= clause);
      const run = words[words.length - 1];
      if (run) return { answer: String(run.value), source: "number", plainText: true };
    }
    // "x is greater than 3": an inequality stated in words.
    if (last.answer.source === "number") {
      const said = PROSE_RELATION.exec(outside.slice(0, last.at));
      if (said && !/[/\\]/.test(last.answer.answer))
        return {
          answer: `${said[1]}${RELATION_WORDS[said[2]?.toLowerCase() ?? ""] ?? ""}${last.answer.answer}`,
          source: "number",
          plainText: true,
        };
      return joinTrailingNumbers(outside, candidates);
    }
    return joinTrailingMath(trimmed, segments, last);
  }
  // Numbers in words ("one hundred and five", "two thirds") when there are no digits.
  // A lone word ("this one") counts only where a result is stated: "is one", "= two".
  const spelled = statedNumberWords(trimmed);
  const run = pick === "first" ? spelled[0] : spelled[spelled.length - 1];
  if (run) return { answer: String(run.value), source: "number", plainText: true };
  // "The range is all real numbers": the whole line, stated in words.
  const reals = ALL_REALS.exec(trimmed);
  if (reals) return { answer: reals[0], source: "whole", plainText: true };
  // A short text answer ("Monday", "odd"); a sentence with no math and no number has no answer.
  const short = trimmed.length <= 60 && trimmed.split(/\s+/).length <= 4;
  return short ? { answer: trimmed, source: "whole", plainText: true } : undefined;
}

/**
 * Numbers in words that state a value: runs of several words, single words other than "one",
 * and a lone "one" where a result is stated ("is one", "= one"; not "this one").
 */
function statedNumberWords(text: string): NumberWordRun[] {
  return numberWordRuns(text).filter(
    (r) =>
      /\s/.test(text.slice(r.start, r.end)) ||
      !/^(?:one|a|an)$/i.test(text.slice(r.start, r.end)) ||
      /(?:\b(?:is|are|was|were|equals?|be|makes?|gives?|get|total(?:s|led)?)|[=:])\s*$/i.test(text.slice(0, r.start)),
  );
}

/**
 * A last clause that concludes ("…, so she has twelve left", ": two thirds of it") rather than
 * restates ("…, which is two dozen", "…, or three factorial"). Starts at the separator before it.
 */
const CONCLUDING_CLAUSE =
  /^(?::|[,;.!?。]\s*(?:and\s+)?(?:so|thus|therefore|hence|then|in\s+total|in\s+all|altogether|overall|finally)\b)/i;

/** Words that make a clause state a result wherever they stand ("there are forty-two in total"). */
const TOTAL_WORDS = /\b(?:in\s+total|in\s+all|altogether|left|remain(?:s|ing)?)\b/i;

/** Where the last clause of a text starts: after its last comma, semicolon, colon or sentence end. */
function lastClauseStart(text: string): number {
  const body = text.replace(/[\s.!?。]+$/, "");
  let at = 0;
  const re = /[,;:.!?。](?=\s)|。/g;
  for (let m = re.exec(body); m !== null; m = re.exec(body)) at = m.index + 1;
  return at;
}

/** "The primes are 2, 3, 5, and 7": the last number with the numbers listed before it. */
function joinTrailingNumbers(
  text: string,
  candidates: Array<{ at: number; answer: ExtractedAnswer }>,
): ExtractedAnswer {
  const last = candidates[candidates.length - 1] as { at: number; answer: ExtractedAnswer };
  const parts = [last.answer.answer];
  let end = last.at;
  for (let i = candidates.length - 2; i >= 0 && parts.length < MAX_JOINED_BOXES; i--) {
    const c = candidates[i] as { at: number; answer: ExtractedAnswer };
    if (c.answer.source !== "number" || /[/\\]/.test(c.answer.answer)) break;
    const gap = text.slice(c.at + c.answer.answer.length, end);
    if (!/^(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)$/.test(gap)) break;
    parts.unshift(c.answer.answer);
    end = c.at;
  }
  return parts.length === 1 ? last.answer : { ...last.answer, answer: parts.join(", ") };
}

/**
 * "The solutions are $x=2$ and $x=-3$": the last math span together with the spans before it
 * that only "and", "or" or commas separate from it.
 */
/** What may stand between two math spans of one answer: commas, "and", "or" in the languages read. */
const JOINING_GAP = /^\s*(?:,|;|，|、|；|\s(?:and|or|et|ou|y|o|und|oder|и|или)\s|,\s*(?:and|or)\s|和|或|及)\s*$/iu;

function joinTrailingMath(
  text: string,
  segments: Segment[],
  last: { at: number; answer: ExtractedAnswer },
): ExtractedAnswer {
  if (last.answer.source !== "math") return last.answer;
  let i = segments.findIndex((s) => s.start === last.at);
  if (i <= 0) return last.answer;
  const parts = [last.answer.answer];
  for (; i > 0 && parts.length < MAX_JOINED_BOXES; i--) {
    const gap = text.slice((segments[i - 1] as Segment).end, (segments[i] as Segment).start);
    if (!JOINING_GAP.test(gap)) break;
    parts.unshift((segments[i - 1] as Segment).content);
  }
  return { ...last.answer, answer: parts.join(",") };
}

/**
 * "Antwort: Die Nullstellen sind $x = -2$, $x = 0$ und $x = 2$": the first math span after an
 * answer phrase together with the spans after it that only "and", "or" or commas separate.
 */
function joinLeadingMath(text: string, segments: Segment[], first: ExtractedAnswer, at: number): ExtractedAnswer {
  let i = segments.findIndex((s) => s.start === at);
  if (i < 0) return first;
  const parts = [first.answer];
  for (; i + 1 < segments.length && parts.length < MAX_JOINED_BOXES; i++) {
    const gap = text.slice((segments[i] as Segment).end, (segments[i + 1] as Segment).start);
    if (!JOINING_GAP.test(gap)) break;
    parts.push((segments[i + 1] as Segment).content);
  }
  return parts.length === 1 ? first : { ...first, answer: parts.join(",") };
}

/** What follows a final-answer phrase, where the phrase starts, and whether its language writes decimal commas. */
interface PhraseAnswer {
  at: number;
  rest: string;
  decimalComma: boolean;
  parts?: string[];
}

/** A part's label opening a line: "(b)", "b)", "Part 2", "**Part (a).**", "Problem 2:". */
const PART_LABEL =
  /(?:^|\n)\s*(?:[*_#]+\s*)?(?:\((?:[a-h]|i{1,3}|iv|vi{0,3})\)|[a-h]\)|(?:part|problem|question|exercise)\s*\(?(?:\d+|[a-h]|i{1,3}|iv)\)?)/i;

/** The answers of the phrases before `last` that part labels separate from it, with its own. */
function labelledParts(text: string, found: RegExpExecArray[], last: number): string[] | undefined {
  const answers: string[] = [];
  for (let i = last; i >= 0 && answers.length < MAX_JOINED_BOXES; i--) {
    const m = found[i] as RegExpExecArray;
    const rest = phraseRest(text.slice(m.index + m[0].length));
    const r = rest ? resolve(rest, "first") : undefined;
    if (!r) break;
    answers.unshift(r.answer);
    const before = found[i - 1];
    if (!before || !PART_LABEL.test(text.slice(before.index + before[0].length, m.index))) break;
  }
  return answers.length > 1 ? answers : undefined;
}

/** How many phrases back from the last one a trailing-off completion is read. */
const MAX_PHRASES_BACK = 8;

/** The text after the last "the answer is"-like phrase (and where it starts), up to the end of its sentence. */
function afterPhrase(text: string): PhraseAnswer | undefined {
  const found: RegExpExecArray[] = [];
  FINAL_ANSWER_PHRASE.lastIndex = 0;
  for (let m = FINAL_ANSWER_PHRASE.exec(text); m !== null; m = FINAL_ANSWER_PHRASE.exec(text)) {
    found.push(m);
    if (m[0].length === 0) FINAL_ANSWER_PHRASE.lastIndex++;
  }
  // A phrase the completion trails off after ("…the answer is 5. So the answer is") states
  // nothing: the last one followed by an answer counts.
  for (let i = found.length - 1; i >= 0 && i >= found.length - MAX_PHRASES_BACK; i--) {
    const m = found[i] as RegExpExecArray;
    const after = text.slice(m.index + m[0].length);
    const rest = phraseRest(after);
    if (!rest) continue;
    // "…the answer is 12. Therefore the answer is 1" where the text ends: a repetition cut off
    // mid-way, as the unclosed last box of a loop is; the phrase before it says the answer.
    const previous = found[i - 1];
    if (previous && after.trim() === rest) {
      const earlier = phraseRest(text.slice(previous.index + previous[0].length));
      if (earlier && earlier !== rest && earlier.startsWith(rest)) continue;
    }
    return { at: m.index, rest, decimalComma: DECIMAL_COMMA_PHRASE.test(m[0]), parts: labelledParts(text, found, i) };
  }
  return undefined;
}

/** The answer stated after a phrase: up to the end of its sentence, from its last " is ". */
function phraseRest(after: string): string | undefined {
  let rest = after;
  const cut = /\n\s*\n|\s+I hope|<\|/.exec(rest);
  if (cut) rest = rest.slice(0, cut.index);
  // End of sentence: a period followed by a space or the end (or a full-width stop), outside math.
  let inMath = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === "\\" && rest[i + 1] === "$") {
      i++;
      continue;
    }
    if (c === "$") inMath = !inMath;
    else if (
      !inMath &&
      (c === "\n" || c === "。" || (c === "." && /\s/.test(rest[i + 1] ?? " ") && i + 1 < rest.length)) &&
      rest.slice(0, i).trim() !== ""
    ) {
      rest = rest.slice(0, i);
      break;
    }
  }
  const masked = maskMath(rest, mathSegments(rest), "#");
  const is = masked.lastIndexOf(" is ");
  if (is >= 0) rest = rest.slice(is + 4);
  // A trailing ellipsis after digits ("0.333...") is part of the number; other final stops are not.
  rest = rest
    .trim()
    .replace(/(\d)(?:\.{3}|…)$/, "$1…")
    .replace(/[.。]+$/, "");
  // "(35 + 70 = 105)": a computation in brackets states its result.
  const bracket = /^\((.*=.*)\)$/.exec(rest);
  if (bracket) rest = bracket[1] as string;
  return rest || undefined;
}

/** Full-width digits and signs (`４２`, `－３`), common in Chinese and Japanese text, as ASCII. */
function halfWidth(text: string): string {
  if (!/[\uFF0B\uFF0D\uFF0E\uFF10-\uFF19]/.test(text)) return text;
  return text
    .replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 48))
    .replace(/\uFF0B/g, "+")
    .replace(/\uFF0D/g, "-")
    .replace(/(?<=\d)\uFF0E(?=\d)/g, ".");
}

/** Like {@link extractAnswer}, and says where the answer came from. Never throws. */
export function extractAnswerDetailed(text: unknown): ExtractedAnswer | undefined {
  const found = findAnswer(text);
  if (!found) return undefined;
  // The final-answer phrase says the language: in French, German, Spanish, Russian… `2,5` is
  // two and a half and `1.000` a thousand.
  if (found.decimalComma) return found;
  const { decimalComma: _, ...rest } = found;
  return rest;
}

/** A number grouped in thousands that no bracket or further comma touches. */
const GROUPED_IN_PROSE = /(?<![\d.,([{\\])\d{1,3}(?:,\d{3})+(?![\d,)\]}])/g;

/**
 * "$2^{11}$, or 2,048": in an answer that mixes math and prose, a number grouped in thousands
 * in the prose is one number (as in prose alone), not two items of the list the math starts.
 */
function ungroupProseNumbers(r: ExtractedAnswer, decimalComma: boolean): ExtractedAnswer {
  if (r.source !== "whole" || decimalComma) return r;
  const segments = mathSegments(r.answer);
  if (segments.length === 0) return r;
  let out = "";
  let at = 0;
  for (const seg of [...segments, { start: r.answer.length, end: r.answer.length }]) {
    out += r.answer.slice(at, seg.start).replace(GROUPED_IN_PROSE, (m) => m.replace(/,/g, ""));
    out += r.answer.slice(seg.start, seg.end);
    at = seg.end;
  }
  return { ...r, answer: out };
}

function findAnswer(text: unknown): ExtractedAnswer | undefined {
  if (typeof text !== "string") return undefined;
  let t = text.length > MAX_SCAN_CHARS ? text.slice(-MAX_SCAN_CHARS) : text;
  t = answerRegion(fixDoubleEscapes(halfWidth(t)));
  const boxes = findBoxed(t);
  const phrase = afterPhrase(t);
  const decimalComma = phrase?.decimalComma ?? false;
  const lastBox = boxes[boxes.length - 1];
  // A "final answer is" stated after the last box restates or corrects it: the phrase wins then,
  // when it holds math or a number.
  if (phrase && lastBox && phrase.at > lastBox.end && !/\\(?:boxed|fbox|framebox)/.test(phrase.rest)) {
    const r = resolve(phrase.rest, "first");
    if (r && (r.source !== "whole" || /[0-9\\]/.test(r.answer)))
      return {
        ...ungroupProseNumbers(r, decimalComma),
        source: r.source === "whole" ? "phrase" : r.source,
        decimalComma,
      };
  }
  if (lastBox) {
    const answer = joinBoxes(boxes, t).trim();
    if (answer) return { answer, source: "boxed", plainText: false, boxes: boxes.map((b) => b.content), decimalComma };
  }
  if (phrase) {
    const r = resolve(phrase.rest, "first");
    if (r)
      return {
        ...ungroupProseNumbers(r, decimalComma),
        source: r.source === "whole" ? "phrase" : r.source,
        decimalComma,
        ...(phrase.parts && { parts: phrase.parts }),
      };
  }
  const r = resolve(beforeRemarks(t));
  return r && { ...ungroupProseNumbers(r, decimalComma), decimalComma };
}

/** Gold texts longer than this are solutions, not sentences: their answer is found as a completion's. */
const MAX_STATED_CHARS = 300;

/** "is", "are", "equals" outside math: where a sentence states its value. */
const COPULA = /\s(?:is|are|was|were|equals|becomes)\s/gi;

/**
 * The value a sentence states, for gold answers written as sentences ("The minimum value is 3,
 * attained at x = 1" is 3, not 1): the first result after its last copula outside math.
 * `undefined` when the text has no such copula with a result after it.
 */
export function statedAnswer(text: string): ExtractedAnswer | undefined {
  if (typeof text !== "string" || text.length > MAX_STATED_CHARS) return undefined;
  const masked = maskMath(text, mathSegments(text), "#");
  let at = -1;
  COPULA.lastIndex = 0;
  for (let m = COPULA.exec(masked); m !== null; m = COPULA.exec(masked)) at = m.index + m[0].length;
  if (at < 0) return undefined;
  const rest = text.slice(at).split(/[.;!?。](?:\s|$)|\n/)[0] ?? "";
  const r = resolve(rest, "first");
  return r && r.source !== "whole" ? r : undefined;
}

/**
 * The answer of a gold text: as {@link extractAnswerDetailed}, except that a short gold sentence
 * with neither a box nor an answer phrase gives the value it states ({@link statedAnswer}).
 */
export function extractGoldAnswer(text: unknown): ExtractedAnswer | undefined {
  const found = extractAnswerDetailed(text);
  if (!found || (found.source !== "math" && found.source !== "number")) return found;
  return statedAnswer(text as string) ?? found;
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
