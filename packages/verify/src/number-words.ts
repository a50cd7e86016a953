/** English number words, for answers written out ("one hundred and five", "two thirds"). */
import { DENOMINATOR_WORDS, SCALE_WORDS, UNIT_WORDS } from "@lanpo/core";

// The shared tables, plus "a"/"an" as one ("a hundred", "an eighth"), which only answers use.
const UNITS: Readonly<Record<string, number>> = { ...UNIT_WORDS, a: 1, an: 1 };
const SCALES: Readonly<Record<string, number>> = SCALE_WORDS;
const FRACTIONS: Readonly<Record<string, number>> = DENOMINATOR_WORDS;

const WORD = /[A-Za-z]+/g;

/** One run of number words in a text: where it starts and ends, and its value. */
export interface NumberWordRun {
  start: number;
  end: number;
  value: number;
}

function isNumberWord(w: string): boolean {
  return w in UNITS || w in SCALES || w in FRACTIONS || w === "and" || w === "minus" || w === "negative";
}

/** The value of a sequence of number words, or `undefined` when it is not one number. */
function wordsValue(words: string[]): number | undefined {
  let sign = 1;
  let i = 0;
  if (words[0] === "minus" || words[0] === "negative") {
    sign = -1;
    i = 1;
  }
  let total = 0;
  let current = 0;
  let seen = false;
  for (; i < words.length; i++) {
    const w = words[i] as string;
    if (w === "and") continue;
    if (w in UNITS) {
      current += UNITS[w] as number;
      seen = true;
    } else if (w === "hundred") current = (current || 1) * 100;
    else if (w in SCALES) {
      total += (current || 1) * (SCALES[w] as number);
      current = 0;
    } else if (w in FRACTIONS) {
      // "two thirds", "a half": the words so far are the numerator; the fraction ends the run.
      if (i !== words.length - 1) return undefined;
      const numerator = total + current || 1;
      return (sign * numerator) / (FRACTIONS[w] as number);
    } else return undefined;
  }
  return seen || total > 0 ? sign * (total + current) : undefined;
}

/**
 * Runs of number words in `text`, left to right ("one hundred and five" is one run of 105).
 * A lone "a" or "an" is not a number, nor is a run that ends in "and".
 */
export function numberWordRuns(text: string): NumberWordRun[] {
  const out: NumberWordRun[] = [];
  let run: Array<{ word: string; start: number; end: number }> = [];
  const flush = () => {
    while (run.length > 0 && (run[run.length - 1] as { word: string }).word === "and") run.pop();
    const words = run.map((r) => r.word);
    const trivial = words.length === 1 && (words[0] === "a" || words[0] === "an");
    if (run.length > 0 && !trivial) {
      const value = wordsValue(words);
      if (value !== undefined)
        out.push({
          start: (run[0] as { start: number }).start,
          end: (run[run.length - 1] as { end: number }).end,
          value,
        });
    }
    run = [];
  };
  WORD.lastIndex = 0;
  let prevEnd = 0;
  for (let m = WORD.exec(text); m !== null; m = WORD.exec(text)) {
    const w = m[0].toLowerCase();
    const gap = text.slice(prevEnd, m.index);
    if (run.length > 0 && !/^[\s-]*$/.test(gap)) flush();
    if (isNumberWord(w) && !(run.length === 0 && w === "and"))
      run.push({ word: w, start: m.index, end: m.index + m[0].length });
    else flush();
    prevEnd = m.index + m[0].length;
  }
  flush();
  return out;
}

/** The number a text spells out when the whole text is number words ("twenty-one"), else `undefined`. */
export function spelledNumber(text: string): number | undefined {
  const t = text.trim().replace(/[.!]$/, "");
  const runs = numberWordRuns(t);
  return runs.length === 1 && runs[0]?.start === 0 && runs[0].end === t.length ? runs[0].value : undefined;
}
