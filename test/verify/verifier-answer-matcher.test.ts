import type { AnswerMatcher } from "@lanpo/core";
import { createVerifierAnswerMatcher } from "@lanpo/verify";
import test from "ava";
import { LruCache } from "../../packages/verify/src/matcher/lru-cache.js";

const matcher: AnswerMatcher = createVerifierAnswerMatcher();

/** For each kind of rewriting: a gold answer and texts that give it away in another form. */
const REWRITTEN: Record<string, Array<[answer: string, text: string]>> = {
  "inline math": [
    ["12", "so we get $x = 12$ in the end"],
    ["\\frac{3}{4}", "the ratio is \\(\\frac{3}{4}\\) here"],
    ["2\\sqrt{3}", "which is $\\sqrt{12}$"],
  ],
  "bare arithmetic": [
    ["81", "there are 3^4 of them"],
    ["72", "that makes 8 \\times 9 boxes"],
    ["72", "that makes 8 × 9 boxes"],
    ["72", "that makes 8*9 boxes"],
    ["42", "Now 12 + 30 = 42 apples"],
    ["2", "subtract: 5 - 3"],
  ],
  "number words": [
    ["105", "one hundred and five people came"],
    ["21", "twenty-one people came"],
    ["72", "eight times nine is what we need"],
    ["0.5", "half of them"],
    ["\\frac{2}{3}", "two thirds of them"],
  ],
  "scientific notation": [
    ["105", "it is 1.05e2"],
    ["1000000", "about $10^6$ grains"],
    ["0.000012", "a mass of $1.2 \\times 10^{-5}$ kg"],
  ],
  "leading decimal point": [
    ["\\frac{1}{2}", "a value of .5 here"],
    ["0.25", "p = .25"],
  ],
  "unicode minus and look-alikes": [
    ["-5", "it drops to −5 degrees"],
    ["-5", "it drops to –5 degrees"],
    ["-5", "it drops to －５ degrees"],
  ],
  "thousands separators": [
    ["1234", "a total of 1,234 coins"],
    ["1000000", "about 1 000 000 people"],
    ["1000000", "$1\\,000\\,000$ people"],
    ["1000000", "$1{,}000{,}000$ people"],
  ],
  fractions: [
    ["0.75", "take $\\dfrac{3}{4}$ of it"],
    ["\\frac{3}{4}", "take $\\tfrac34$ of it"],
    ["0.75", "take \\frac34 of it"],
    ["\\frac{3}{4}", "take 3/4 of it"],
    ["\\frac{1}{3}", "roughly 0.33 of them"],
  ],
  percent: [
    ["0.25", "it is 25% of the total"],
    ["25", "it is 25\\% of the total"],
    ["25\\%", "a quarter is 0.25"],
    ["0.4", "forty percent of them"],
  ],
  "pi fractions": [
    ["\\frac{\\pi}{3}", "the angle is $\\frac{\\pi}{3}$"],
    ["\\frac{\\pi}{3}", "the angle is pi/3"],
    ["\\frac{\\pi}{3}", "the angle is π/3"],
    ["2\\pi", "a circumference of $2\\pi$"],
  ],
  "intervals and inequalities": [
    ["[2, 5)", "so $2 \\le x < 5$"],
    ["(-\\infty, 3]", "we need $x \\leq 3$"],
  ],
  "expressions and structures": [
    ["(x+1)^2", "we get $x^2+2x+1$"],
    ["(2, 3)", "the pair (2, 3) works"],
    ["\\text{Monday}", "it was Monday after all"],
    ["C", "choose (C) here"],
  ],
};

for (const [kind, cases] of Object.entries(REWRITTEN)) {
  test(`mentions finds the answer rewritten: ${kind}`, (t) => {
    for (const [answer, text] of cases) t.true(matcher.mentions(text, answer), `${answer} in ${JSON.stringify(text)}`);
  });
}

const DIFFERENT: Array<[answer: string, text: string]> = [
  ["18", "there are 180 of them"],
  ["180", "there are 18 of them"],
  ["72", "there are 71 of them"],
  ["18", "x = 1.8"],
  ["123", "the numbers 1, 2, 3"],
  ["5", "nothing numeric here"],
  ["0.5", "a value of 0.55"],
  ["\\frac{1}{3}", "roughly 0.3 of them"],
  ["(2, 3)", "the pair (3, 2) works"],
  ["-5", "it rises to 5 degrees"],
  ["1000", "1 and 000 are not a number"],
  ["C", "the constant c is small"],
];

test("mentions does not take a different number for the answer", (t) => {
  for (const [answer, text] of DIFFERENT)
    t.false(matcher.mentions(text, answer), `${answer} in ${JSON.stringify(text)}`);
});

test("asserts: a box, an answer phrase, or a final '= …' / 'is …' stating the result", (t) => {
  const yes: Array<[string, string]> = [
    ["Hence the answer is $\\frac{3}{4}$.", "0.75"],
    ["so \\boxed{12} works", "12"],
    ["Adding, 5 + 7 = 12.", "12"],
    ["The number of ways is 12.", "12"],
    ["The side is 12 cm.", "12"],
    ["x = 3, so y = 4.", "3"],
    ["答案是 12。", "12"],
    ["Ответ: 12", "12"],
  ];
  for (const [text, answer] of yes)
    t.true(matcher.asserts(text, answer), `${answer} asserted in ${JSON.stringify(text)}`);
});

test("asserts is false for a bare mention, such as the data of a question", (t) => {
  const no: Array<[string, string]> = [
    ["Find how many of the 12 chairs are red.", "12"],
    ["If there are 12 chairs and 3 tables, how many legs?", "12"],
    ["Let n = 12 be the number of chairs and count legs", "12"],
    ["The answer is 13.", "12"],
  ];
  for (const [text, answer] of no)
    t.false(matcher.asserts(text, answer), `${answer} not asserted in ${JSON.stringify(text)}`);
});

test("empty texts and answers, and non-strings, mention nothing and never throw", (t) => {
  t.false(matcher.mentions("", "5"));
  t.false(matcher.mentions("5", ""));
  t.false(matcher.mentions("5", "   "));
  t.false(matcher.asserts("", "5"));
  t.false(matcher.mentions(null as unknown as string, "5"));
  t.notThrows(() => matcher.mentions(`${"(".repeat(50_000)}1`, "1"));
  t.notThrows(() => matcher.mentions("$".repeat(100_000), "\\frac{1}{2}"));
});

test("verdicts are the same when asked again, and with the cache turned off", (t) => {
  const uncached = createVerifierAnswerMatcher({ cacheSize: 0 });
  for (const [answer, text] of [...Object.values(REWRITTEN).flat(), ...DIFFERENT]) {
    const first = matcher.mentions(text, answer);
    t.is(matcher.mentions(text, answer), first);
    t.is(uncached.mentions(text, answer), first);
  }
});

test("the verdict cache is bounded and forgets the least recently used entry first", (t) => {
  const cache = new LruCache<string, number>(2);
  cache.set("a", 1);
  cache.set("b", 2);
  t.is(cache.get("a"), 1);
  cache.set("c", 3);
  t.is(cache.size, 2);
  t.is(cache.get("b"), undefined);
  t.is(cache.get("a"), 1);
  t.is(cache.get("c"), 3);
  const off = new LruCache<string, number>(0);
  off.set("a", 1);
  t.is(off.get("a"), undefined);
});
