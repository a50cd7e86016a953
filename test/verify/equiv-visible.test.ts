// Every vector of test/fixtures/equiv_visible.jsonl (Math-Verify's own test suite) is one case,
// named by its line number, so a failure says which line disagrees.
import { readFileSync } from "node:fs";
import { isEquivalent } from "@lanpo/verify";
import test from "ava";

interface Vector {
  gold: string;
  pred: string;
  equal: boolean;
  source: string;
}

const FILE = new URL("../fixtures/equiv_visible.jsonl", import.meta.url);
const vectors = readFileSync(FILE, "utf8")
  .split("\n")
  .map((line, i) => ({ line: i + 1, text: line }))
  .filter((l) => l.text.trim() !== "")
  .map((l) => ({ line: l.line, ...(JSON.parse(l.text) as Vector) }));

const short = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 28)}…${s.slice(-28)}` : s);

for (const v of vectors) {
  test(`equiv_visible.jsonl line ${v.line}: ${short(v.gold)} vs ${short(v.pred)} is ${v.equal}`, (t) => {
    const r = isEquivalent(v.gold, v.pred);
    t.is(r.equal, v.equal, `line ${v.line} (${v.source.split("/").pop()}): reason ${r.reason}`);
  });
}

test("agreement on the visible vectors is at least 98%, failures listed by line", (t) => {
  t.true(vectors.length >= 160, "the fixture lost vectors");
  const failures = vectors.filter((v) => isEquivalent(v.gold, v.pred).equal !== v.equal).map((v) => v.line);
  const agreement = 1 - failures.length / vectors.length;
  t.true(agreement >= 0.98, `agreement ${(agreement * 100).toFixed(1)}%; failing lines: ${failures.join(", ")}`);
});
