// questionKey, the twin rule of issue 8: same text after normalising case, whitespace, punctuation
// and LaTeX spacing, every number kept. Each row is a pair a reader judges the same question (or
// not) by that rule, written without looking at the implementation's regular expressions.
import { questionKey } from "@lanpo/core";
import test from "ava";

const same: [string, string][] = [
  ["What is  3.5 + 4?", "what is 3.5+4"],
  ["A car travels for 4 hours -- how far does it go?", "A car travels for 4 hours. How far does it go?"],
  ["A car travels for 4 hours — how far does it go?", "A car travels for 4 hours, how far does it go?"],
  ["A car travels for 4 hours --- how far does it go?", "A car travels for 4 hours: how far does it go?"],
  ["A car travels for 4 hours - how far does it go?", "A car travels for 4 hours; how far does it go?"],
  ["How many two-digit numbers are prime?", "How many two digit numbers are prime?"],
  ["Compute $3 − 4$.", "Compute $3 - 4$."],
  ["Compute $3 – 4$.", "Compute 3-4."],
  ["Solve $x − y = 2$ for $x$.", "Solve x-y=2 for x."],
  ["Find $\\dfrac{1}{2} \\cdot 6$.", "find \\frac{1}{2}\\cdot 6"],
  ["It costs $1{,}000.", "It costs 1,000."],
];
const different: [string, string][] = [
  ["What is 3 + 4?", "What is 3 + 5?"],
  ["Compute $3 - 4$.", "Compute $3 + 4$."],
  ["Compute $3 - 4$.", "Compute $34$."],
  ["Solve $x - y = 2$.", "Solve $x y = 2$."],
  ["Compute $\\sin - x$.", "Compute $\\sin x$."],
  ["Is -5 less than 3?", "Is 5 less than 3?"],
];

test("questions a reader calls the same question have one key", (t) => {
  for (const [a, b] of same) t.is(questionKey(a), questionKey(b), `${a} | ${b}`);
});

test("questions that differ in a number or an operator have different keys", (t) => {
  for (const [a, b] of different) t.not(questionKey(a), questionKey(b), `${a} | ${b}`);
});
