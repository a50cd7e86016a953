import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDataset } from "@lanpo/cli";
import { ConfigError, DatasetError } from "@lanpo/core";
import test from "ava";

const dir = mkdtempSync(join(tmpdir(), "lanpo-cli-datasets-"));
function jsonl(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join("\n"));
  return file;
}

const bundled: [string, number][] = [
  ["gsm8k", 1319],
  ["math500", 500],
  ["aime24", 30],
  ["amc23", 40],
];
for (const [name, rows] of bundled) {
  test(`bundled ${name} loads ${rows} problems with unique ids and non-empty answers`, (t) => {
    const { problems, file } = loadDataset({ dataset: name });
    t.is(problems.length, rows);
    t.true(file.endsWith(".jsonl"));
    t.is(new Set(problems.map((p) => p.id)).size, rows);
    for (const p of problems) {
      t.true(p.id.startsWith(`${name}:`));
      t.true(p.question.trim().length > 0);
      t.true(p.answer.trim().length > 0);
    }
  });
}

test("gsm8k answers are the number after ####, commas stripped", (t) => {
  const { problems } = loadDataset({ dataset: "gsm8k" });
  t.is(problems[0]?.answer, "18");
  t.is(problems[0]?.id, "gsm8k:0");
  t.false(problems.some((p) => p.answer.includes(",") || p.answer.includes("####")));
  // The published file has answers such as "#### 1,000"; none may keep the comma.
  t.true(problems.every((p) => /^-?[\d.]+$/.test(p.answer)));
});

test("amc23 float answers become plain integers and ids are stable", (t) => {
  const first = loadDataset({ dataset: "amc23" }).problems[0];
  t.is(first?.answer, "27");
  t.is(first?.id, "amc23:0");
  t.deepEqual(
    loadDataset({ dataset: "amc23" }).problems.map((p) => p.id),
    loadDataset({ dataset: "amc23" }).problems.map((p) => p.id),
  );
});

test("math500 ids come from unique_id and carry subject and level", (t) => {
  const first = loadDataset({ dataset: "math500" }).problems[0];
  t.is(first?.id, "math500:test/precalculus/807.json");
  t.deepEqual(first?.meta, { subject: "Precalculus", level: 2 });
});

test("limit keeps the first N in file order", (t) => {
  const all = loadDataset({ dataset: "aime24" }).problems;
  t.deepEqual(loadDataset({ dataset: "aime24", limit: 5 }).problems, all.slice(0, 5));
  t.throws(() => loadDataset({ dataset: "aime24", limit: 0 }), { instanceOf: ConfigError });
});

test("a custom file: question/answer, optional id, numbered by position without one", (t) => {
  const file = jsonl("custom.jsonl", ['{"id":"a","question":"Q1","answer":"1"}', "", '{"question":"Q2","answer":2}']);
  const { problems, name } = loadDataset({ dataset: file });
  t.is(name, "custom");
  t.deepEqual(problems, [
    { id: "a", question: "Q1", answer: "1" },
    { id: "custom:1", question: "Q2", answer: "2" },
  ]);
});

test("a custom file with other field names", (t) => {
  const file = jsonl("fields.jsonl", ['{"key":"k1","prompt":"Q","gold":"5"}']);
  const { problems } = loadDataset({ dataset: file, questionField: "prompt", answerField: "gold", idField: "key" });
  t.deepEqual(problems, [{ id: "k1", question: "Q", answer: "5" }]);
});

const badFiles: [string, string[], number | undefined, RegExp][] = [
  [
    "a row without a question",
    ['{"question":"Q","answer":"1"}', '{"answer":"2"}'],
    2,
    /field "question".*missing.*--question-field/,
  ],
  ["a row without an answer", ['{"question":"Q"}'], 1, /field "answer".*missing/],
  ["an empty answer", ['{"question":"Q","answer":"  "}'], 1, /field "answer"/],
  ["an answer that is an object", ['{"question":"Q","answer":{"x":1}}'], 1, /field "answer".*\{"x":1\}/],
  ["bad JSON", ['{"question":"Q","answer":"1"}', "", '{"question": "Q2",'], 3, /not valid JSON/],
  ["a row that is not an object", ["[1,2]"], 1, /expected a JSON object, got an array/],
  [
    "a duplicate id",
    ['{"id":"x","question":"Q","answer":"1"}', '{"id":"x","question":"Q2","answer":"2"}'],
    2,
    /duplicate problem id "x" \(first on line 1\)/,
  ],
  ["a bad id", ['{"id":{"a":1},"question":"Q","answer":"1"}'], 1, /field "id"/],
  ["an empty file", ["", "  "], undefined, /has no rows/],
];
for (const [name, lines, line, message] of badFiles) {
  test(`a custom file with ${name} is a DatasetError naming file and line`, (t) => {
    const file = jsonl(`${name.replaceAll(" ", "-")}.jsonl`, lines);
    const error = t.throws(() => loadDataset({ dataset: file }), { instanceOf: DatasetError });
    t.is(error?.file, file);
    t.is(error?.line, line);
    t.regex(error?.message ?? "", message);
  });
}

test("a missing file is a DatasetError", (t) => {
  const error = t.throws(() => loadDataset({ dataset: join(dir, "absent.jsonl") }), { instanceOf: DatasetError });
  t.regex(error?.message ?? "", /no such file/);
});

test("an unknown dataset name lists the known ones", (t) => {
  const error = t.throws(() => loadDataset({ dataset: "gsm9k" }), { instanceOf: DatasetError });
  t.regex(error?.message ?? "", /unknown dataset "gsm9k".*gsm8k, math500, aime24, amc23/);
});

test("a bundled file that lost its #### answer is a DatasetError on that line", (t) => {
  const data = mkdtempSync(join(tmpdir(), "lanpo-cli-data-"));
  writeFileSync(
    join(data, "gsm8k_test.jsonl"),
    '{"question":"Q","answer":"#### 3"}\n{"question":"Q2","answer":"no final answer"}\n',
  );
  const error = t.throws(() => loadDataset({ dataset: "gsm8k", dataDir: data }), { instanceOf: DatasetError });
  t.is(error?.line, 2);
  t.regex(error?.message ?? "", /####/);
});
