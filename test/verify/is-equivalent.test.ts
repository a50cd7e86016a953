import { isEquivalent, warmUpComputeEngine } from "@lanpo/verify";
import test from "ava";

const same = test.macro((t, gold: string, pred: string) => {
  const r = isEquivalent(gold, pred);
  t.true(r.equal, `expected equal, got ${JSON.stringify(r)}`);
});
const differ = test.macro((t, gold: string, pred: string) => {
  const r = isEquivalent(gold, pred);
  t.false(r.equal, `expected different, got ${JSON.stringify(r)}`);
});

// Numbers
test("thousands separators (commas, spaces, {,})", same, "7425000", "7,425,000");
test("thousands with thin spaces", same, "1000000", "1\\,000\\,000");
test("decimal comma in prose", same, "2.74", "Soucis : 2,74 $ a..");
test("a spaced comma is a list, not a number", differ, "32349", "\\boxed{32, 349}");
test("trailing zeros", same, "1000", "1000.0");
test("leading dot", same, "0.4", ".4");
test("scientific notation", same, "1500", "1.5e3");
test("times ten to the power", same, "1500", "1.5\\times10^{3}");
test("percent matches its number", same, "28\\%", "28 percent");
test("percent matches its fraction", same, "\\frac{3}{4}", "75\\%");
test("fractions and decimals", same, "\\frac{1}{2}", "0.5");
test("mixed numbers", same, "2\\frac{1}{2}", "2.5");
test("repeating decimals", same, "0.\\overline{3}", "\\frac13");
test("big integers compare exactly", differ, "12000023", "12000024");
test("exact decimals compare exactly", differ, "16386.16", "16386.17");
test("an approximation within the relative tolerance", same, "\\frac{1}{3}", "0.3333");
test("an approximation outside it", differ, "\\frac{1}{3}", "0.33");
test("currency and units", same, "5", "\\$5 dollars");
test("a number glued to letters is not that number", differ, "2", "AZYUK2A");

test("relativeTolerance is configurable", (t) => {
  t.false(isEquivalent("\\pi", "3.14").equal);
  t.true(isEquivalent("\\pi", "3.14", { relativeTolerance: 1e-3 }).equal);
});

// LaTeX and symbolic
test("dfrac, tfrac, frac12", same, "\\dfrac{1}{2}", "\\tfrac12");
test("roots", same, "2\\sqrt{2}", "\\sqrt{8}");
test("cube roots", same, "\\sqrt[3]{27}", "3");
test("pi", same, "\\frac{9}{4}\\pi", "\\frac94\\pi");
test("degrees", same, "90^\\circ", "90");
test("degrees inside trigonometry are radians", same, "\\frac{1}{2}", "\\sin 30^\\circ");
test("ordinals", same, "5", "5^{\\text{th}}");
test("infinity spelled out", same, "\\infty", "infinity");
test("parentheses are not dropped from math", differ, "2(x+1)", "2x+1");
test("implicit products distribute", same, "2x+2", "2(x+1)");
test("trigonometric identity", same, "\\sin^2 x + \\cos^2 x", "1");
test("logs", same, "\\log_2 8", "3");
test("factorial and binomial", same, "\\binom{5}{2}", "10");
test("polynomial identity", same, "x^2+2x+1", "(x+1)^2");
test("large powers are evaluated, not expanded", same, "(x+1)^{100}", "(1+x)^{100}");
test("different polynomials", differ, "x^2+2x+1", "(x+1)^3");
test("different functions of different variables", differ, "f(x)", "f(y)");
test("sums with symbolic bounds", same, "\\sum_{k=0}^{n-1} F_k F_{n-k-1}", "\\sum_{k=0}^{n-1} F_{n-k-1} F_k");
test("sums with other bounds differ", differ, "\\sum_{k=0}^{n-1} F_k", "\\sum_{k=0}^{n-2} F_k");

// Equations and relations
test("assignment vs value", same, "11", "x=11");
test("value vs assignment", same, "x = 1/3", "\\frac{1}{3}");
test("a computation chain keeps its last member", same, "$10/9$", "$\\frac{1}{2} \\cdot 2 = \\frac{10}{9}$");
test("an equation is not its side", differ, "7 = 11a+c", "11a+c");
test("proportional equations", same, "2x+4y-3=0", "y=-\\frac{1}{2}x+\\frac{3}{4}");
test("inequality orientation", same, "x \\leq 5", "5 \\geq x");
test("opposite inequalities", differ, "x > 5", "x < 5");
test("inequality as interval", same, "x \\ge 2", "[2, \\infty)");
test("strictness matters", differ, "x \\ge 2", "(2, \\infty)");
test("approximate trailing values are dropped", same, "1/3", "x=1/3\\approx0.33");

// Sets, tuples, intervals, matrices
test("sets ignore order", same, "\\{1,2,3\\}", "\\{3,2,1\\}");
test("tuples keep order", differ, "(1,2,3)", "(3,2,1)");
test("a tuple is not a set", differ, "(3,1)", "{1,3}");
test("plus-minus is a set of two", same, "\\pm 2021", "{-2021, 2021}");
test("plus-minus is not one of them", differ, "\\pm 2021", "2021");
test("intervals: closedness matters", differ, "[0,1)", "(0,1)");
test("unions in any order", same, "(2, 12) \\cup (12, 102)", "(12,102)\\cup(2,12)");
test("a double inequality is an interval", same, "-793 < a < 10", "(-793, 10)");
test("assignments by label, in any order", same, "a_3 = 2, a_{37} = 19", "a_{37} = 19, \\quad a_3 = 2");
test("groups of assignments are tuples", same, "p=5,q=2;p=7,q=2", "(5,2),(7,2)");
test(
  "matrices element-wise",
  same,
  "\\begin{bmatrix}0 & 0 \\\\0 & 0\\end{bmatrix}",
  "\\begin{pmatrix}0 & 0 \\\\ 0 & 0\\end{pmatrix}",
);
test(
  "matrices differ in one entry",
  differ,
  "\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}",
  "\\begin{pmatrix}1 & 2 \\\\ 3 & 5\\end{pmatrix}",
);

// Text and choices
test("text wrappers", same, "\\text{odd}", "odd");
test("units in text", same, "125 miles", "\\boxed{125\\textnormal{ miles}}");
test("multiple-choice letters", same, "\\text{C}", "\\boxed{\\text{(C)}}");
test("different letters", differ, "d", "\\text{E}");
test("plain words", same, "\\text{Monday}", "Monday");
test("words ignore case", same, "\\text{Yes}", "yes");
test("an interval against the inequality it solves", same, "x \\in (-\\infty, 3)", "x<3");

test("whole solutions on both sides use their final answers", (t) => {
  const gold = "We compute $2+2$. Therefore the answer is $\\boxed{4}$.";
  t.deepEqual(isEquivalent(gold, "Adding, we get 4. The final answer is $4$. I hope it is correct."), {
    equal: true,
    reason: "identical",
  });
  t.false(isEquivalent(gold, "The final answer is $5$.").equal);
});

test("the reason names the rule", (t) => {
  t.is(isEquivalent("\\frac{1}{2}", "0.5").reason, "numeric");
  t.is(isEquivalent("x^2-1", "(x-1)(x+1)").reason, "symbolic");
  t.is(isEquivalent("1", "").reason, "no-answer");
  t.is(isEquivalent("", "1").reason, "no-gold-answer");
});

test("Compute Engine decides what our grammar cannot read", async (t) => {
  await warmUpComputeEngine();
  const r = isEquivalent("\\gcd(12, 18)", "6");
  t.deepEqual(r, { equal: true, reason: "compute-engine" });
  t.false(isEquivalent("\\gcd(12, 18)", "5").equal);
});

test("the Compute Engine fallback can be switched off", (t) => {
  t.false(isEquivalent("\\gcd(12, 18)", "6", { computeEngineFallback: false }).equal);
});
