/** English number words, for answers written out ("one hundred and five", "two thirds"). */

const UNITS: Readonly<Record<string, number>> = {
  zero: 0,
  one: 1,
  a: 1,
  an: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const SCALES: Readonly<Record<string, number>> = { hundred: 100, thousand: 1e3, million: 1e6, billion: 1e9 };
const FRACTIONS: Readonly<Record<string, number>> = {
  half: 2,
  halves: 2,
  third: 3,
  thirds: 3,
  quarter: 4,
  quarters: 4,
  fourth: 4,
  fourths: 4,
  fifth: 5,
  fifths: 5,
  sixth: 6,
  sixths: 6,
  seventh: 7,
  sevenths: 7,
  eighth: 8,
  eighths: 8,
  ninth: 9,
  ninths: 9,
  tenth: 10,
  tenths: 10,
};

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
