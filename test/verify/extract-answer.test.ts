import { extractAnswer, extractAnswerDetailed } from "@lanpo/verify";
import test from "ava";

test("the last \\boxed{} wins, with nested braces kept whole", (t) => {
  t.is(extractAnswer("First \\boxed{1}. Then, finally, \\boxed{\\frac{a}{\\sqrt{b}}}."), "\\frac{a}{\\sqrt{b}}");
  t.is(extractAnswer("so \\fbox{42} it is"), "42");
  t.is(extractAnswer("\\boxed 7"), "7");
});

test("escaped braces inside a box do not close it", (t) => {
  t.is(extractAnswer("$\\boxed{\\{1, 2\\}}$"), "\\{1, 2\\}");
});

test("an unclosed box takes the rest of the text", (t) => {
  t.is(extractAnswer("\\boxed{W(n) = 1 \\text{ and } W(n) = -1"), "W(n) = 1 \\text{ and } W(n) = -1");
});

test("adjacent boxes joined by 'and' or commas are one answer; far-apart boxes are not", (t) => {
  t.is(extractAnswer("\\boxed{1} and \\boxed{2} and \\boxed{3}"), "1,2,3");
  t.is(extractAnswer("\\boxed{-2} \\quad \\text{and} \\quad \\boxed{1}"), "-2,1");
  t.is(extractAnswer("So \\boxed{4} is right. Let me check again. Final: \\boxed{5}"), "5");
});

test("GSM8K '####' and 'the answer is' phrases", (t) => {
  t.is(extractAnswer("She sold 48 + 24 = 72 clips.\n#### 72"), "72");
  t.is(extractAnswer("I think 6. The final answer is $5$. I hope it is correct."), "5");
  t.is(extractAnswer("Final Answer: The largest $n$ is 34."), "34");
  t.deepEqual(extractAnswerDetailed("The answer is 3.")?.source, "phrase");
});

test("other languages' phrasing", (t) => {
  t.is(extractAnswer("所以答案是 12"), "12");
  t.is(extractAnswer("Donc la réponse est 7."), "7");
  // A comma before a unit or currency is a decimal comma, read as such.
  t.is(extractAnswer("Soucis : 2,74 $ a.."), "2.74");
});

test("without a box or phrase: the whole bare answer, else the last math or number", (t) => {
  t.is(extractAnswer("28 percent"), "28 percent");
  t.is(extractAnswer("$1$ and $2$ and $3$"), "$1$ and $2$ and $3$");
  t.is(extractAnswer("Therefore $x \\geq 5$ is the solution."), "x \\geq 5");
  t.is(extractAnswer("so the number is 10 which is 1,000.99m²"), "1,000.99");
  t.is(extractAnswer("Answer \\[ 9 \\]"), "9");
});

test("twice-escaped LaTeX (JSON inside JSON) is read", (t) => {
  t.is(extractAnswer("the answer should be \\\\boxed{004}.\\n"), "004");
});

test("no answer: undefined, for empty text, prose without numbers, and non-strings", (t) => {
  t.is(extractAnswer(""), undefined);
  t.is(extractAnswer("   "), undefined);
  t.is(extractAnswer(null), undefined);
  t.is(extractAnswer(42), undefined);
  t.is(
    extractAnswer(
      "I really do not know how to solve this problem at all, sorry about that, truly sorry, goodbye now friend okay",
    ),
    undefined,
  );
});

test("markdown around the answer is ignored", (t) => {
  t.is(extractAnswer("**Answer:** 42"), "42");
  t.is(extractAnswer("### Final Answer\n**42**"), "42");
});

test("GSM8K-style prose with unpaired dollar signs gives the last number", (t) => {
  t.is(extractAnswer("She makes 9 * 2 = $18 every day at the farmer's market."), "18");
  t.is(extractAnswer("She earned $10 and spent $3, so she has $7 left."), "7");
});

test("a box after a thinking block wins over boxes inside it", (t) => {
  t.is(extractAnswer("<think>maybe \\boxed{4}</think> The answer is \\boxed{5}"), "5");
});
