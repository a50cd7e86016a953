import { FINAL_ANSWER_PHRASE } from "./final-answer-phrases.js";

// Which part of a completion holds its answer: not a next turn, not math cut off at the length
// limit, not the thinking before a closed `</think>`, and not the checks after a conclusion.

/** Chat-template tokens after which a completion runs on into text that is not its answer. */
const CHAT_TAIL = /<\|(?:im_start|im_end|endoftext|eot_id|end|user|assistant)\|>|<\/s>/;
/** A line that starts the next turn of a few-shot prompt, as base models run on into one. */
const NEXT_TURN = /\n\s*(?:Question|Problem|Q|Human|User)\s*[:：]/g;

/**
 * The part of a completion that holds its answer: the text after a closed thinking block when
 * there is one, up to the first chat-template token that starts another turn.
 */
export function answerRegion(text: string): string {
  let t = text;
  const tail = CHAT_TAIL.exec(t);
  if (tail && t.slice(0, tail.index).trim() !== "") t = t.slice(0, tail.index);
  // A completion that answers, then writes the next few-shot turn ("\n\nQuestion: …").
  NEXT_TURN.lastIndex = 0;
  for (let m = NEXT_TURN.exec(t); m !== null; m = NEXT_TURN.exec(t)) {
    const before = t.slice(0, m.index);
    FINAL_ANSWER_PHRASE.lastIndex = 0;
    if (/\\(?:boxed|fbox|framebox)\s*\{/.test(before) || FINAL_ANSWER_PHRASE.test(before)) {
      t = before;
      break;
    }
  }
  t = withoutCutOffTail(withoutCutOffMath(t));
  const think = t.lastIndexOf("</think>");
  if (think >= 0 && /\d|\\boxed|\$/.test(t.slice(think + 8))) t = t.slice(think + 8);
  return t;
}

/**
 * A text that ends inside math ("…the probability is $\frac{1", "\[ x = \sqrt{"), as a
 * completion cut off at its length limit does, without that unfinished math.
 */
function withoutCutOffMath(text: string): string {
  let t = text;
  // `\[` and `\(` (not the `\\[2pt]` of a row break) with no closing after them.
  for (const [open, close] of [
    [/(?<!\\)\\\(/g, "\\)"],
    [/(?<!\\)\\\[/g, "\\]"],
  ] as const) {
    const opens = [...t.matchAll(open)];
    const at = opens[opens.length - 1]?.index;
    if (at !== undefined && t.indexOf(close, at) < 0 && unfinished(t.slice(at + 2))) t = t.slice(0, at);
  }
  const dollars = [...t.matchAll(/(?<!\\)\$/g)];
  const last = dollars[dollars.length - 1];
  // An odd number of dollars: the last one opens math (a lone "$5" is money, and finished).
  if (last && dollars.length % 2 === 1 && unfinished(t.slice(last.index + 1))) t = t.slice(0, last.index);
  return t;
}

/**
 * A text that ends on an operator outside math ("…Let me verify. Hmm, 3 + 5 ="), as a completion
 * cut off mid-computation does, without that last unfinished sentence.
 */
function withoutCutOffTail(text: string): string {
  // Not markdown: bold ends in "**", a rule is "---".
  if (!/(?<![-=])[-+/=×÷]\s*$/.test(text)) return text;
  const body = text.replace(/\s+$/, "");
  const end = Math.max(body.lastIndexOf(". "), body.lastIndexOf("\n"), body.lastIndexOf("。"));
  return end > 0 ? body.slice(0, end + 1) : text;
}

/** Math cut off mid-way: a brace left open, or ending on a command or an operator. */
function unfinished(math: string): boolean {
  let depth = 0;
  for (let i = 0; i < math.length; i++) {
    if (math[i] === "\\") i++;
    else if (math[i] === "{") depth++;
    else if (math[i] === "}") depth--;
  }
  return depth > 0 || /(?:\\[a-zA-Z]+|[-+*/^_=])\s*$/.test(math);
}

/** A sentence that concludes with a result: "Therefore $x = 3$.", "Thus, the sum is 12." */
const CONCLUSION = /(?:^|[.!?。]\s+|\n)\s*(?:therefore|thus|hence|so|consequently|in\s+conclusion)\b[^.!?\n]*?[$\d]/gi;
/** A sentence that checks or comments on a result already stated: "Check: …", "Note that …". */
const REMARK =
  /(?:^|[.!?。]\s+|\n)\s*(?:[*_]{1,2})?(?:check(?:ing)?|verif(?:y|ying|ication)|to\s+(?:double-)?check|to\s+verify|double-check(?:ing)?|sanity\s+check|note\s+that|note:)/gi;

/**
 * A completion without a box or answer phrase that concludes ("Thus, $g(f(3)) = 49$.") and then
 * checks or comments ("Note that $f(g(3)) = 19$ would be different."): its answer is read
 * before the remarks. A conclusion after them (a check that corrects) is read as usual.
 */
export function beforeRemarks(text: string): string {
  let conclusion = -1;
  CONCLUSION.lastIndex = 0;
  for (let m = CONCLUSION.exec(text); m !== null; m = CONCLUSION.exec(text)) conclusion = m.index;
  if (conclusion < 0) return text;
  REMARK.lastIndex = conclusion + 1;
  const remark = REMARK.exec(text);
  return remark ? text.slice(0, remark.index + 1) : text;
}
