import { LeakageGuard, mentionsAnswer } from "@lanpo/core";
import test from "ava";

test("numbers match by value, not by substring", (t) => {
  t.true(mentionsAnswer("the total is 18.", "18"));
  t.true(mentionsAnswer("we get 18.0 in the end", "18"));
  t.true(mentionsAnswer("a profit of $70,000", "70000"));
  t.true(mentionsAnswer("so x = \\frac{3}{4}", "0.75"));
  t.true(mentionsAnswer("so x = 3/4", "\\frac{3}{4}"));
  t.true(mentionsAnswer("the result is -5", "-5"));
  t.false(mentionsAnswer("there were 180 apples", "18"));
  t.false(mentionsAnswer("version 1.8 of the method", "18"));
  t.false(mentionsAnswer("x18 is a label", "18"));
  t.false(mentionsAnswer("no numbers at all", "18"));
});

test("symbolic and text answers match as compact substrings, letters only as marked choices", (t) => {
  t.true(mentionsAnswer("the set is \\{1, 2\\} and x^2 + 1", "x^2+1"));
  t.true(mentionsAnswer("write it as \\left( 1, 2 \\right)", "(1,2)"));
  t.true(mentionsAnswer("so the answer is (B)", "B"));
  t.true(mentionsAnswer("Answer: B", "B"));
  t.false(mentionsAnswer("Be careful with B-trees", "B"));
  t.false(mentionsAnswer("", "x"));
  t.false(mentionsAnswer("anything", "   "));
});

test("the guard blocks and counts a part that names the answer, unless the problem statement does", (t) => {
  const guard = new LeakageGuard();
  const problem = { id: "a", question: "How many legs do 6 spiders have?", answer: "48" };
  t.false(guard.allows(problem, "lesson", "Spider problems usually come out to 48."));
  t.false(guard.allows(problem, "plan", "Multiply to reach 48."));
  t.true(guard.allows(problem, "lesson", "Multiply the count by the legs per animal."));
  const stated = { id: "b", question: "Is 48 equal to 6 times 8?", answer: "48" };
  t.true(guard.allows(stated, "lesson", "48 is 6 times 8."));
  t.deepEqual(guard.counts, { lesson: 1, plan: 1, instruction: 0, total: 2 });
});
