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

test("the guard blocks and counts a part that names the answer in any form", (t) => {
  const guard = new LeakageGuard();
  const problem = { id: "a", question: "How many legs do 6 spiders have?", answer: "48" };
  t.false(guard.allows(problem, "lesson", "Spider problems usually come out to 48."));
  t.false(guard.allows(problem, "plan", "Multiply to reach forty-eight."));
  t.false(guard.allows(problem, "critique", "Check that 6 times 8 is what you wrote."));
  t.true(guard.allows(problem, "lesson", "Multiply the count by the legs per animal."));
  t.deepEqual(guard.counts, { lesson: 1, plan: 1, critique: 1, total: 3 });
});

test("when the question holds the answer, the guard still blocks a part that asserts it", (t) => {
  const guard = new LeakageGuard();
  const stated = { id: "b", question: "Is 48 equal to 6 times 8? Give the product.", answer: "48" };
  t.true(guard.allows(stated, "lesson", "48 is a multiple of 6 and of 8."), "a mention tells nothing new");
  t.false(guard.allows(stated, "lesson", "The answer is 48."));
  t.false(guard.allows(stated, "lesson", "Here the product is \\boxed{48}."));
  t.false(guard.allows(stated, "plan", "Compute 6 * 8 = 48."));
  t.deepEqual(guard.counts, { lesson: 2, plan: 1, critique: 0, total: 3 });
});

test("the guard asks the matcher it was given and caches its verdicts", (t) => {
  let calls = 0;
  const matcher = {
    mentions: (text: string, answer: string) => {
      calls++;
      return text.includes(answer);
    },
    asserts: () => false,
  };
  const guard = new LeakageGuard({ matcher });
  const problem = { id: "c", question: "What is the colour of the sky?", answer: "blue" };
  for (let i = 0; i < 5; i++) t.false(guard.allows(problem, "lesson", "It is blue."));
  t.is(calls, 2, "once for the part, once for the question; then the verdict is cached");
  t.is(guard.counts.lesson, 5, "every block is counted, cached or not");
});
