import { readFileSync } from "node:fs";
import test from "ava";
import { competitionProblems, math500 } from "../../../bench/fixtures/labelled-sets.js";

// The retrieval bench's hand-made labels: each bundled AIME 2024 / AMC 2023 problem labelled once,
// with a MATH subject and a rule that the rules file defines.
const fixture = (name: string) => new URL(`../../../bench/fixtures/${name}`, import.meta.url);

test("every competition problem has one label, a MATH subject, and a rule the rules file defines", (t) => {
  const rows = readFileSync(fixture("competition-topics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { source: string; id: number; subject: string; rule: string });
  const rules = readFileSync(fixture("competition-topics.md"), "utf8");
  const subjects = new Set(math500().map((r) => r.label));
  t.is(subjects.size, 7);
  t.is(rows.length, 70);
  t.is(new Set(rows.map((r) => `${r.source}#${r.id}`)).size, 70);
  for (const row of rows) {
    t.true(subjects.has(row.subject), `${row.source}#${row.id}: ${row.subject}`);
    t.true(rules.includes(`**${row.rule} → ${row.subject}.**`), `${row.rule} → ${row.subject}`);
  }
  const problems = competitionProblems();
  t.is(problems.length, 70);
  t.true(problems.every((p) => p.text.length > 20));
});
