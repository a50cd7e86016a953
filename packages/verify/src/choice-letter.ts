import { FINAL_ANSWER_PHRASE } from "./final-answer-phrases.js";

/** A choice label `A`…`J`, alone or as `(C)`, `C.`, `C)` before the option's text. */
const LEADING_CHOICE = /^\s*[*_\s]*\(?([A-J])(?:\)|\.|:|。|(?=\s|$|[,;，。]|\P{ASCII}))/u;
const STANDALONE = /(?<![A-Za-z0-9\\{_^'])\(?([A-J])\)?(?![A-Za-z0-9'_^{(])/g;

function afterLastPhrase(text: string): string | undefined {
  let at = -1;
  FINAL_ANSWER_PHRASE.lastIndex = 0;
  for (let m = FINAL_ANSWER_PHRASE.exec(text); m !== null; m = FINAL_ANSWER_PHRASE.exec(text)) {
    at = m.index + m[0].length;
    if (m[0].length === 0) FINAL_ANSWER_PHRASE.lastIndex++;
  }
  return at >= 0 ? text.slice(at) : undefined;
}

/**
 * The choice a gold answer names when it is a multiple-choice label: `C`, `(D) Alina`,
 * `C Cecile`, "… the answer is (C) Cecile". `undefined` when the gold is not a choice.
 */
export function goldChoice(gold: string): string | undefined {
  const unwrapped = gold
    .replace(/\\(?:boxed|text|textbf|mathrm|mathbf)\s*\{([^{}]*)\}/g, "$1")
    .replace(/\$|\\[()[\]]/g, "");
  const text = afterLastPhrase(unwrapped) ?? unwrapped;
  const firstLine = text.trim().split("\n")[0] ?? "";
  if (/^\s*\(?[A-J]\)?\s*[.。]?\s*$/.test(firstLine)) return /[A-J]/.exec(firstLine)?.[0];
  // A label followed by the option's words: "(D) Alina", "C Cecile" (not "A = 3", not "C_2").
  const m = /^\s*\(?([A-J])\)?[.:]?\s+[\p{L}]/u.exec(firstLine) ?? /^\s*\(([A-J])\)\s*\S/.exec(firstLine);
  return m && !/^\s*[A-J]\s+(?:is|are|=)\b/i.test(firstLine) ? m[1] : undefined;
}

/**
 * The choice a completion picks: its last boxed label, else the first label after its last
 * "the answer is"-like phrase,
 * else a label opening the text ("D. it can't be A or B"), else its last standalone label
 * (the pronoun "I" excluded). `undefined` when it names none.
 */
export function predictedChoice(pred: string): string | undefined {
  // The last boxed label: a completion that restarts boxes its corrected choice last.
  const boxed = [...pred.matchAll(/\\boxed\s*\{\s*\(?([A-J])\)?\s*(?:[.:]|\\text|\}|\s)/g)].pop();
  if (boxed) return boxed[1];
  const rest = afterLastPhrase(pred);
  if (rest !== undefined) {
    STANDALONE.lastIndex = 0;
    for (let m = STANDALONE.exec(rest); m !== null; m = STANDALONE.exec(rest)) if (m[1] !== "I") return m[1];
  }
  // A label opening the text with its punctuation ("D.", "(D)", "B。"), then the last
  // parenthesised label ("so it must be (C)"), then a bare opening label ("A Peter").
  const leading = LEADING_CHOICE.exec(pred);
  const punctuated = leading && /^\s*[*_\s]*(?:\([A-J]\)|[A-J](?:[.):。]|\P{ASCII}))/u.test(pred);
  if (leading && punctuated) return leading[1];
  const parenthesised = [...pred.matchAll(/\(([A-J])\)/g)].pop();
  if (parenthesised) return parenthesised[1];
  if (leading && leading[1] !== "I") return leading[1];
  let last: string | undefined;
  STANDALONE.lastIndex = 0;
  for (let m = STANDALONE.exec(pred); m !== null; m = STANDALONE.exec(pred)) if (m[1] !== "I") last = m[1];
  return last;
}
