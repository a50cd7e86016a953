import { DatasetError } from "@lanpo/core";
import test from "ava";
import { fitSoftmax } from "../../scripts/subject-head/fit-softmax.js";
import { readSubjectRows } from "../../scripts/subject-head/read-subject-rows.js";

// Three classes in four dimensions, each a noisy copy of its own direction: a linear model must
// learn them, and the same data must give the same weights (the shipped head is reproducible).
function clusters(n: number, seed: number) {
  let s = seed;
  const noise = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const rows = new Float32Array(n * 4);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 3;
    labels[i] = label;
    for (let j = 0; j < 4; j++) rows[i * 4 + j] = (j === label ? 1 : 0) + 0.6 * noise();
  }
  return { rows, labels };
}

test("fitSoftmax learns separable classes, deterministically, and only from the rows it is given", (t) => {
  const { rows, labels } = clusters(300, 7);
  const train = Array.from({ length: 200 }, (_, i) => i);
  const losses: number[] = [];
  const model = fitSoftmax(rows, 4, labels, 3, train, { l2: 1e-4, onProgress: (_, loss) => losses.push(loss) });
  t.is(model.weights.length, 12);
  t.is(model.bias.length, 3);
  t.true((losses.at(-1) as number) < (losses[0] as number));
  let right = 0;
  for (let i = 200; i < 300; i++) {
    const z = [0, 1, 2].map(
      (k) =>
        (model.bias[k] as number) +
        [0, 1, 2, 3].reduce((s, j) => s + (rows[i * 4 + j] as number) * (model.weights[j * 3 + k] as number), 0),
    );
    if (z.indexOf(Math.max(...z)) === labels[i]) right++;
  }
  t.true(right >= 95, `${right} of 100 held-out rows right`);
  t.deepEqual(fitSoftmax(rows, 4, labels, 3, train, { l2: 1e-4 }), model);
  const other = fitSoftmax(rows, 4, labels, 3, train.slice(0, 100), { l2: 1e-4 });
  t.notDeepEqual(other.weights, model.weights);
  t.throws(() => fitSoftmax(rows, 4, labels, 3, [], { l2: 0 }), { instanceOf: RangeError, message: /no rows/ });
});

test("a stronger L2 penalty gives smaller weights", (t) => {
  const { rows, labels } = clusters(150, 3);
  const all = Array.from({ length: 150 }, (_, i) => i);
  const size = (l2: number) =>
    fitSoftmax(rows, 4, labels, 3, all, { l2, iterations: 200 }).weights.reduce((s, w) => s + w * w, 0);
  t.true(size(0.1) < size(1e-5));
});

test("readSubjectRows reads problems and subject indices, skipping blank lines", (t) => {
  const text =
    '{"problem": "What is 2+2?", "subject": "Prealgebra", "level": "Level 1"}\n\n{"problem": "Find x.", "subject": "Algebra"}\n';
  t.deepEqual(readSubjectRows(text, "f.jsonl", ["Algebra", "Prealgebra"]), [
    { problem: "What is 2+2?", subject: 1 },
    { problem: "Find x.", subject: 0 },
  ]);
});

test("a malformed training row stops training with its file and line", (t) => {
  const subjects = ["Algebra", "Geometry"];
  const good = '{"problem": "Find x.", "subject": "Algebra"}';
  for (const [bad, message] of [
    ["{not json", /f\.jsonl:2: not JSON/],
    ['{"problem": "", "subject": "Algebra"}', /f\.jsonl:2: "problem" must be a non-empty string, got ""/],
    ['{"problem": 12, "subject": "Algebra"}', /"problem" must be a non-empty string, got 12/],
    ['{"subject": "Algebra"}', /"problem" must be a non-empty string, got undefined/],
    [
      '{"problem": "Find y.", "subject": "Topology"}',
      /f\.jsonl:2: "subject" "Topology" is not one of "Algebra", "Geometry"/,
    ],
    ['{"problem": "Find y."}', /"subject" undefined is not one of/],
    ["null", /"problem" must be a non-empty string/],
  ] as const) {
    const error = t.throws(() => readSubjectRows(`${good}\n${bad}\n`, "f.jsonl", subjects));
    t.true(error instanceof DatasetError, bad);
    t.regex(String(error?.message), message);
  }
  t.throws(() => readSubjectRows("\n\n", "f.jsonl", subjects), { message: /f\.jsonl: no rows/ });
});
