// What models really write around a final answer (the kinds of issue 12); the fixture
// test/fixtures/verify/lanpo-completions.jsonl holds more of each kind (run by ported-suites.test.ts).
import { explainEquivalence, extractAnswer, extractAnswerDetailed, isEquivalent } from "@lanpo/verify";
import test from "ava";

test("a final-answer phrase after the last box restates or corrects it, and wins", (t) => {
  const text = "so \\boxed{255} is the interest. Final Answer: The final answer is $10,455$. I hope it is correct.";
  t.is(extractAnswer(text), "10,455");
  t.true(isEquivalent("10455", text).equal);
});

test("after an answer phrase the first result counts, not a later number of the sentence", (t) => {
  t.is(extractAnswer("Réponse: Janeth aura encore 220 $ à payer d'ici 12 mois."), "220");
  t.is(extractAnswer("réponse est (35 + 70 = 105)."), "35 + 70 = 105");
  t.true(isEquivalent("105", "réponse est (35 + 70 = 105).").equal);
  t.true(isEquivalent("7", "The answer is clear: 3 + 4 = 7").equal);
  // "final answer" without its verb or a colon introduces nothing.
  t.is(extractAnswer("I will now compute the final answer step by step. 3 + 4 = 7, times 2 = 14."), "14");
});

test("a completion that runs on into a new chat turn is read up to it", (t) => {
  t.is(extractAnswer("The answer is 5.<|im_end|>\n<|im_start|>user\nAnd 2+2?<|im_start|>assistant\n4"), "5");
});

test("a completion cut off inside its last box keeps the boxes before it", (t) => {
  t.is(extractAnswer("The answer is $\\boxed{9}$.\n\nThe answer is $\\boxed{"), "9");
});

test("Chinese and Japanese prose is prose: the answer is its last number, not the whole text", (t) => {
  t.is(extractAnswer("所以，他们从比赛中卖出的T恤赚了8722美元。"), "8722");
  t.is(extractAnswer("計画の比は13/28"), "13/28");
  t.is(extractAnswer("答えは 42 です。"), "42");
  // Full-width digits and signs.
  t.is(extractAnswer("答案是４２。"), "42");
  t.is(extractAnswer("答えは－３．５です。"), "-3.5");
});

test("final-answer phrases of each language", (t) => {
  const phrases: Array<[string, string]> = [
    ["最终答案是 7", "zh"],
    ["La réponse finale est 7.", "fr"],
    ["La respuesta es 7.", "es"],
    ["Die Antwort lautet 7.", "de"],
    ["Окончательный ответ: 7", "ru"],
    ["よって答えは 7 です。", "ja"],
  ];
  for (const [text, lang] of phrases) t.is(extractAnswer(text), "7", lang);
});

test("boxes given in parts are one answer, labels kept", (t) => {
  const d = extractAnswerDetailed("\\( y_1 = \\boxed{2x+1} \\) and \\( y_2 = \\boxed{x-4} \\)");
  t.is(d?.answer, "y_1=2x+1,y_2=x-4");
  t.deepEqual(d?.boxes, ["2x+1", "x-4"]);
  t.true(
    isEquivalent("y_{1} = 2x + 1, y_{2} = x - 4", "\\( y_1 = \\boxed{1+2x} \\) and \\( y_2 = \\boxed{x-4} \\)").equal,
  );
});

test("a gold of several parts matches boxes that answer them one by one, far apart", (t) => {
  const pred = "(a) First we compute things at length. The value is \\boxed{3}. (b) Then, much later, \\boxed{5}.";
  t.true(isEquivalent("3, 5", pred).equal);
  t.false(isEquivalent("3, 6", pred).equal);
});

test("thousands separators in LaTeX and prose, European decimals, currency and units", (t) => {
  t.true(isEquivalent("16386.20", "\\boxed{\\$16,\\!386.20}").equal);
  t.true(isEquivalent("1234.5", "Le total est 1 234,5 €.").equal);
  t.true(isEquivalent("3.5", "La respuesta es 3,5 metros.").equal);
  t.true(isEquivalent("1234.56", "She has \\$1{,}234.56 left.").equal);
  t.false(isEquivalent("12000023", "\\boxed{12{,}000{,}024}").equal);
});

test("matrices in any environment or bracket, and arithmetic on them", (t) => {
  const gold = "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}";
  for (const env of ["bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "matrix", "smallmatrix"])
    t.true(isEquivalent(gold, `\\begin{${env}}1&2\\\\3&4\\end{${env}}`).equal, env);
  t.true(isEquivalent(gold, "$\\left[\\begin{array}{cc}1&2\\\\3&4\\end{array}\\right]$").equal);
  t.true(
    isEquivalent(
      "\\begin{pmatrix}6&8\\\\10&12\\end{pmatrix}",
      "$\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}+\\begin{pmatrix}5&6\\\\7&8\\end{pmatrix}$",
    ).equal,
  );
  t.true(isEquivalent("\\begin{pmatrix}2&4\\\\6&8\\end{pmatrix}", "2\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}").equal);
  t.true(isEquivalent("\\begin{pmatrix}2\\\\-1\\end{pmatrix}", "(2, -1)").equal);
  t.false(isEquivalent(gold, "\\begin{bmatrix}1&2\\\\3&5\\end{bmatrix}").equal);
});

test("graders disagree on list order: unordered by default, ordered by option", (t) => {
  t.true(isEquivalent("10, 4, -2", "4, 10, -2").equal);
  t.false(isEquivalent("10, 4, -2", "4, 10, -2", { listOrder: "ordered" }).equal);
  t.true(isEquivalent("10, 4, -2", "10, 4, -2", { listOrder: "ordered" }).equal);
  // ± and braces are sets whatever the option says.
  t.true(isEquivalent("\\{1, 2\\}", "\\{2, 1\\}", { listOrder: "ordered" }).equal);
});

test("graders disagree on sets against tuples: Math-Verify's reading by default, apart by option", (t) => {
  t.true(isEquivalent("$(1,3)$", "$ {1,3}$").equal);
  t.false(isEquivalent("$(3,1)$", "$ {1,3}$").equal);
  t.false(isEquivalent("$(1,3)$", "$ {1,3}$", { setsMatchTuples: false }).equal);
});

test("multiple-choice golds are matched against the choice a completion names", (t) => {
  t.true(isEquivalent("C", "thinking about it I think the correct answer is C").equal);
  t.true(isEquivalent("(D) Alina", "D").equal);
  t.false(isEquivalent("(A) Cecile", "C").equal);
  t.true(isEquivalent("B", "B。不是 A").equal);
  t.true(isEquivalent("C", "I think (A) is wrong and (B) is wrong, so it must be (C).").equal);
  t.true(isEquivalent("E", "\\boxed{\\textbf{(E)}\\ 25}").equal);
});

test("an absolute value bounded by a constant is an interval or a union of two", (t) => {
  t.true(isEquivalent("(-\\infty,-2)\\cup(2,\\infty)", "$|x| > 2$").equal);
  t.true(isEquivalent("[-2, 2]", "$|x| \\le 2$").equal);
  t.false(isEquivalent("(-2, 2)", "$|x| \\le 2$").equal);
});

test("numbers are accepted where strings are expected", (t) => {
  t.true(isEquivalent(5, 5).equal);
  t.true(isEquivalent(0.5, "\\frac12").equal);
  t.false(isEquivalent(5, "6").equal);
  t.is(isEquivalent(Number.NaN, "1").reason, "invalid-input");
});

test("explainEquivalence gives the answers each side was read as", (t) => {
  const e = explainEquivalence("\\frac{1}{2}", "so the answer is $0.5$.");
  t.true(e.equal);
  t.is(e.gold.answer, "\\frac{1}{2}");
  t.is(e.pred.answer, "0.5");
  t.is(e.pred.normalized, "0.5");
  const none = explainEquivalence("1", "");
  t.is(none.reason, "no-answer");
  t.is(none.pred.answer, undefined);
});

test("lists in prose and the same box twice are read as the writer meant", (t) => {
  t.is(extractAnswer("The primes are 2, 3, 5, and 7."), "2, 3, 5, 7");
  t.true(isEquivalent("2, 3, 5, 7", "The primes are 2, 3, 5, and 7.").equal);
  t.true(isEquivalent("4", "$\\boxed{4}$ \\\\ $\\boxed{4}$").equal);
  t.is(extractAnswer("She has 5 and 7 apples, 12 in all."), "12");
});

test("a gold written as a sentence gives the value it states, not its last number", (t) => {
  t.true(isEquivalent("The minimum value is 3, attained at x = 1.", "\\boxed{3}").equal);
  t.false(isEquivalent("The minimum value is 3, attained at x = 1.", "\\boxed{1}").equal);
  t.true(isEquivalent("The maximum is $\\frac{9}{4}$, at $x = \\frac{3}{2}$.", "\\boxed{\\frac94}").equal);
  t.true(isEquivalent("(i) 5, (ii) 7", "\\boxed{5}, \\boxed{7}").equal);
  t.is(explainEquivalence("The minimum value is 3, attained at x = 1.", "3").gold.answer, "3");
});

test("a union of finite sets is their union (Math-Verify's README example)", (t) => {
  t.true(isEquivalent("$ {1,3} \\cup {2,4}$", "$ {1,2,3,4}$").equal);
  t.false(isEquivalent("$\\{1,3\\} \\cup \\{2,4\\}$", "$\\{1,2,3\\}$").equal);
});
