// The verifier never throws and never hangs: every input gets a verdict object. Tests assert
// behaviour; the time guard is exercised with an injected clock, not with wall-clock limits.
import { extractAnswer, isEquivalent, mathReward } from "@lanpo/verify";
import test from "ava";

const MB = 1 << 20;

const hostile: Array<[string, unknown, unknown]> = [
  ["null gold", null, "1"],
  ["undefined pred", "1", undefined],
  ["numbers instead of strings", 5, 5],
  ["objects", {}, []],
  ["empty strings", "", ""],
  ["whitespace", "   ", "\n\t"],
  ["1 MB of letters", "x".repeat(MB), `${"x".repeat(MB)}y`],
  ["1 MB of digits", "1", "1".repeat(MB)],
  ["1 MB unclosed box", "1", `\\boxed{${"{".repeat(MB)}`],
  ["1 MB of dollar signs", "1", "$".repeat(MB)],
  ["1 MB of display-math openers", "1", "\\[".repeat(MB / 2)],
  ["1 MB of spaces then an answer", "1", `${" ".repeat(MB)}2`],
  ["100k nested braces", "1", `\\boxed{${"{".repeat(100_000)}1${"}".repeat(100_000)}}`],
  ["100k nested parentheses", "1", `$${"(".repeat(100_000)}1${")".repeat(100_000)}$`],
  ["5k nested fractions", "1", `$${"\\frac{1}{".repeat(5000)}1${"}".repeat(5000)}$`],
  ["2^{10^{10}} vs itself plus one", "2^{10^{10}}", "2^{10^{10}}+1"],
  ["10^{10^{10}} vs infinity", "\\infty", "10^{10^{10}}"],
  ["tower of powers", "x^{x^{x^{x^{x}}}}", "x^{x^{x^{x}}}"],
  ["huge factorial", "1000000!", "1000000!+1"],
  ["sum of a billion terms", "\\sum_{k=1}^{1000000000} k", "5"],
  ["division by zero", "1/0", "2/0"],
  ["eight plus-minus signs", "1", "\\pm 1 \\pm 2 \\pm 3 \\pm 4 \\pm 5 \\pm 6 \\pm 7 \\pm 8"],
  ["100k boxes", "1", "\\boxed{1}".repeat(100_000)],
  ["3000-element set", "1", `\\{${Array.from({ length: 3000 }, (_, i) => i).join(",")}\\}`],
  [
    "200x200 matrix",
    "1",
    `\\begin{pmatrix}${Array.from({ length: 200 }, () => `${"1&".repeat(199)}1`).join("\\\\")}\\end{pmatrix}`,
  ],
  ["lone surrogates", "\ud800", "\udfff"],
  ["an integral Compute Engine chews on", "\\int_0^1 x^{x^{x}} dx", "\\frac12"],
];

for (const [name, gold, pred] of hostile) {
  test(`never throws: ${name}`, (t) => {
    const r = isEquivalent(gold, pred, { timeoutMs: 200 });
    t.is(typeof r.equal, "boolean");
    t.is(typeof r.reason, "string");
    t.notThrows(() => extractAnswer(pred));
    t.notThrows(() => mathReward({ id: "p", question: "q", answer: gold as string }, pred as string));
  });
}

test("2^{10^{10}} is not equal to 2^{10^{10}}+1 just because both overflow", (t) => {
  t.false(isEquivalent("2^{10^{10}}", "2^{10^{10}}+1").equal);
  t.true(isEquivalent("2^{10^{10}}", "2^{10^{10}}").equal);
});

test("non-string inputs are reported as invalid input", (t) => {
  t.deepEqual(isEquivalent(null, "1"), { equal: false, reason: "invalid-input" });
  t.deepEqual(isEquivalent("1", undefined), { equal: false, reason: "invalid-input" });
});

test("a comparison that runs out of time is false with reason timeout", (t) => {
  let clock = 0;
  // Every read of the clock advances it by 600 ms: the second check is past the 1 s budget.
  const now = () => (clock += 600);
  t.deepEqual(isEquivalent("x^2+2x+1", "(x+1)^2", { now }), { equal: false, reason: "timeout" });
});

test("a zero budget times out; a generous one decides", (t) => {
  let clock = 0;
  const now = () => clock++;
  t.is(isEquivalent("\\frac{1}{2}", "0.5", { timeoutMs: 0, now }).reason, "timeout");
  t.true(isEquivalent("\\frac{1}{2}", "0.5", { timeoutMs: 1000 }).equal);
});

test("invalid options fall back to defaults instead of throwing", (t) => {
  t.true(isEquivalent("1/3", "0.3333", { relativeTolerance: Number.NaN, timeoutMs: -5 }).equal);
});
