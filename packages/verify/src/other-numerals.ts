/**
 * Numbers written without digits in the other languages read: Chinese and Japanese numerals
 * (`三`, `二十`, `一百零五`, `两万`), and the number words up to twelve of Russian, German, French
 * and Spanish ("пять", "zwölf", "trois", "siete"), for a final answer that is only that number.
 */

const CJK_DIGITS: Readonly<Record<string, number>> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
const CJK_UNITS: Readonly<Record<string, number>> = { 十: 10, 百: 100, 千: 1000 };
const CJK_SCALES: Readonly<Record<string, number>> = { 万: 1e4, 萬: 1e4, 亿: 1e8, 億: 1e8 };

// Nominative forms; an answer stated in words is one of the small numbers in practice.
const WORDS: ReadonlyArray<ReadonlyArray<string>> = [
  // Not German "null" nor Spanish "once" (11), which English texts use as other words.
  ["ноль", "zéro", "cero"],
  ["один", "одна", "eins", "un", "une", "uno", "una"],
  ["два", "две", "zwei", "deux", "dos"],
  ["три", "drei", "trois", "tres"],
  ["четыре", "vier", "quatre", "cuatro"],
  ["пять", "fünf", "cinq", "cinco"],
  ["шесть", "sechs", "six", "seis"],
  ["семь", "sieben", "sept", "siete"],
  ["восемь", "acht", "huit", "ocho"],
  ["девять", "neun", "neuf", "nueve"],
  ["десять", "zehn", "dix", "diez"],
  ["одиннадцать", "elf", "onze"],
  ["двенадцать", "zwölf", "douze", "doce"],
];
const WORD_VALUES: ReadonlyMap<string, number> = new Map(WORDS.flatMap((ws, n) => ws.map((w) => [w, n] as const)));

function cjkValue(text: string): number | undefined {
  let total = 0;
  let section = 0;
  let digit: number | undefined;
  for (const ch of text) {
    if (ch in CJK_DIGITS) {
      if (digit !== undefined && digit !== 0) return undefined;
      digit = CJK_DIGITS[ch] as number;
    } else if (ch in CJK_UNITS) {
      section += (digit ?? 1) * (CJK_UNITS[ch] as number);
      digit = undefined;
    } else if (ch in CJK_SCALES) {
      total += (section + (digit ?? 0)) * (CJK_SCALES[ch] as number);
      section = 0;
      digit = undefined;
    } else return undefined;
  }
  return total + section + (digit ?? 0);
}

/** The number a whole answer writes in CJK numerals or as one such word, else `undefined`. */
export function otherScriptNumber(text: string): number | undefined {
  const t = text
    .trim()
    .replace(/[.!。！]+$/u, "")
    .trim();
  if (t === "") return undefined;
  if (/^[零〇一二两三四五六七八九十百千万萬亿億]+$/u.test(t)) return cjkValue(t);
  return WORD_VALUES.get(t.toLowerCase());
}
