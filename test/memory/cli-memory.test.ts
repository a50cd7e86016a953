import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError, DatasetError, type Lesson, StorageError } from "@lanpo/core";
import test from "ava";
import { CommanderError } from "commander";
import { HnswLessonMemory } from "../../memory/src/lesson-memory/hnsw-lesson-memory.ts";
import { hnswlibBuild } from "../../memory/src/store/hnswlib-binding.ts";
import { DRAFTS } from "../core/lesson-memory-contract.ts";
import { BagOfWordsEmbeddings } from "../fixtures/memory-bag-of-words-embeddings.ts";
import { runMemoryCommand } from "../fixtures/run-memory-command.ts";
import { tempDir } from "./hnsw-store-helpers.ts";

const run = (args: string[]) => runMemoryCommand(args, () => new BagOfWordsEmbeddings());

async function labelledFile(): Promise<string> {
  const topics = {
    trains: ["train", "rail", "station", "track", "locomotive"],
    fruit: ["apple", "pear", "orchard", "juice", "peel"],
    stars: ["galaxy", "comet", "orbit", "telescope", "nebula"],
  };
  const lines: string[] = [];
  for (const [topic, words] of Object.entries(topics)) {
    for (let i = 0; i < 8; i++) {
      const text = `${words.filter((_, j) => j !== i % words.length).join(" ")} item${i}`;
      lines.push(JSON.stringify({ question: text, topic }));
    }
  }
  const file = join(await tempDir("lanpo-cli-"), "labelled.jsonl");
  await writeFile(file, `${lines.join("\n")}\n`);
  return file;
}

test("memory tune prints the table, marks the best row and writes tune.json and tune.svg", async (t) => {
  const dataset = await labelledFile();
  const outDir = join(await tempDir("lanpo-cli-"), "tune");
  const result = await run([
    "tune",
    "--dataset",
    dataset,
    "--text-field",
    "question",
    "--label-field",
    "topic",
    "--embeddings",
    "lexical",
    "--out",
    outDir,
    "--k",
    "1,3",
    "--ef",
    "16",
    "--min-score",
    "none,0.2",
  ]);
  t.is(result.error, undefined, String(result.error));
  t.deepEqual(result.kinds, ["lexical"]);
  t.regex(result.out, /24 items, 3 labels/);
  t.regex(result.out, /best trade-off/);
  const json = JSON.parse(await readFile(join(outDir, "tune.json"), "utf8"));
  t.is(json.rows.length, 4);
  t.is(json.rows.filter((r: { best: boolean }) => r.best).length, 1);
  t.is(json.textField, "question");
  t.is(json.embeddings, "lexical");
  // Same-topic texts share most words: retrieval is far above chance.
  t.true(json.best.precision > 0.9);
  t.true((await readFile(join(outDir, "tune.svg"), "utf8")).includes("<svg"));
});

test("memory tune reports bad datasets and flags clearly", async (t) => {
  const dir = await tempDir("lanpo-cli-");
  const bad = join(dir, "bad.jsonl");
  await writeFile(bad, '{"q":"a","l":"x"}\n{"q":"b","l":"y"}\nnot json\n');
  const badLine = await run(["tune", "--dataset", bad, "--text-field", "q", "--label-field", "l"]);
  t.true(DatasetError.isInstance(badLine.error));
  t.is((badLine.error as DatasetError).line, 3);
  const wrongField = await run(["tune", "--dataset", bad, "--text-field", "text", "--label-field", "l"]);
  t.regex((wrongField.error as Error).message, /--text-field/);
  const missing = await run(["tune", "--dataset", join(dir, "nope.jsonl"), "--text-field", "q", "--label-field", "l"]);
  t.true(DatasetError.isInstance(missing.error));
  const k = await run(["tune", "--dataset", bad, "--text-field", "q", "--label-field", "l", "--k", "1,x"]);
  t.true(ConfigError.isInstance(k.error));
  const kind = await run(["tune", "--dataset", bad, "--text-field", "q", "--label-field", "l", "--embeddings", "bert"]);
  t.true(kind.error instanceof CommanderError);
  t.regex(kind.err, /default, lexical/);
  const noDataset = await run(["tune", "--text-field", "q", "--label-field", "l"]);
  t.true(noDataset.error instanceof CommanderError);
});

test("memory inspect names a projected layout and whether its basis is fitted", async (t) => {
  const { dir } = await savedMemory({ projection: { dimensions: 8, fitAfter: 64 } });
  const text = await run(["inspect", dir]);
  t.regex(text.out, /projected to 8 dims \(not fitted yet\)/);
  const json = JSON.parse((await run(["inspect", dir, "--json"])).out);
  t.deepEqual(json.index.projection, { dimensions: 8, energy: null });
  t.is(json.index.layout, "pending");
  t.false(json.index.automatic);
  const direct = JSON.parse((await run(["inspect", (await savedMemory({ projection: false })).dir, "--json"])).out);
  t.is(direct.index.projection, null);
  t.is(direct.index.layout, "direct");
  // The default layout is automatic; a small memory has not decided yet and is not calibrated.
  const automatic = await savedMemory();
  const auto = JSON.parse((await run(["inspect", automatic.dir, "--json"])).out);
  t.true(auto.index.automatic);
  t.is(auto.index.layout, "pending");
  t.is(auto.index.calibration, null);
  t.regex((await run(["inspect", automatic.dir])).out, /not calibrated yet/);
});

async function savedMemory(
  store?: Parameters<typeof HnswLessonMemory.open>[0]["store"],
): Promise<{ dir: string; lessons: Lesson[] }> {
  const dir = await tempDir("lanpo-cli-");
  const memory = await HnswLessonMemory.open({
    dir,
    embeddings: new BagOfWordsEmbeddings(),
    ...(store ? { store } : {}),
  });
  await memory.add(DRAFTS);
  await memory.add([{ ...DRAFTS[0]!, sourceProblemIds: ["extra"] }]);
  const [first] = memory.list();
  await memory.recordUse([{ lessonIds: [first!.id], advantage: 0.5 }]);
  await memory.flush();
  return { dir, lessons: memory.list() };
}

test("memory inspect shows counts, the most used lessons and merges, as text or JSON", async (t) => {
  const { dir, lessons } = await savedMemory();
  const text = await run(["inspect", dir]);
  t.is(text.error, undefined);
  t.regex(text.out, /lessons 4 \(from 5 source problems\), merges 1 into 1 lessons/);
  t.regex(text.out, /BagOfWordsEmbeddings \(512 dims\)/);
  t.regex(text.out, new RegExp(`1 uses .*${lessons[0]!.id}`));
  const json = await run(["inspect", dir, "--json", "--top", "2"]);
  const parsed = JSON.parse(json.out);
  t.like(parsed, { lessons: 4, merges: 1, uses: 1, numDimensions: 512 });
  t.is(parsed.mostUsed.length, 2);
  // The hnswlib-node build this machine runs, as the binding chose it (see hnswlib-binding.test.ts).
  const build = hnswlibBuild();
  t.deepEqual(parsed.hnswlib, build);
  t.regex(
    text.out,
    build.kind === "native" ? /hnswlib-node: native build \(-march=native\)/ : /hnswlib-node: stock build, because /,
  );
  const missing = await run(["inspect", join(dir, "nope")]);
  t.true(StorageError.isInstance(missing.error));
});

test("memory export and import round-trip every lesson through JSONL", async (t) => {
  const { dir, lessons } = await savedMemory();
  const exported = await run(["export", dir]);
  t.is(exported.error, undefined);
  const lines = exported.out.trim().split("\n");
  t.is(lines.length, 4);
  t.deepEqual(
    lines.map((l) => JSON.parse(l)),
    lessons,
  );
  const file = join(await tempDir("lanpo-cli-"), "lessons.jsonl");
  const toFile = await run(["export", dir, "--out", file]);
  t.regex(toFile.err, /exported 4 lessons/);
  const target = join(await tempDir("lanpo-cli-"), "copy");
  const imported = await run(["import", target, file, "--embeddings", "lexical"]);
  t.is(imported.error, undefined, String(imported.error));
  t.regex(imported.out, /4 added, 0 replaced/);
  t.deepEqual(
    (await HnswLessonMemory.readLessons(target)).sort(
      (a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id),
    ),
    [...lessons].sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id)),
  );
  const again = await run(["import", target, file, "--embeddings", "lexical"]);
  t.regex(again.out, /0 added, 4 replaced/);
});

test("memory import names every bad line and imports nothing", async (t) => {
  const { lessons } = await savedMemory();
  const dir = await tempDir("lanpo-cli-");
  const file = join(dir, "mixed.jsonl");
  const good = JSON.stringify(lessons[0]);
  await writeFile(file, [good, "{broken", JSON.stringify({ ...lessons[1], retrievals: -1 }), "", good].join("\n"));
  const target = join(dir, "memory");
  const result = await run(["import", target, file]);
  t.true(DatasetError.isInstance(result.error));
  t.is((result.error as DatasetError).line, 2);
  t.regex(
    (result.error as Error).message,
    /3 bad line\(s\).*line 2: not valid JSON.*line 3: retrievals.*line 5: .*already appears on line 1/,
  );
  await t.throwsAsync(HnswLessonMemory.readLessons(target), { instanceOf: StorageError });
  const missing = await run(["import", target, join(dir, "nope.jsonl")]);
  t.true(DatasetError.isInstance(missing.error));
});

test("memory inspect shows the recall the index measured and the effort it chose", async (t) => {
  const dir = await tempDir("lanpo-cli-");
  const memory = await HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() });
  const words = (i: number) => `w${i % 97} v${i % 89} u${i % 83} t${i}`;
  const lessons: Lesson[] = Array.from({ length: 2100 }, (_, i) => ({
    id: `l${i}`,
    text: `lesson ${words(i)}`,
    sourceProblemIds: [`p${i}`],
    problemText: `problem ${words(i)}`,
    createdAtMs: i,
    mergedCount: 0,
    retrievals: 0,
    meanAdvantage: null,
    uses: 0,
  }));
  await memory.importLessons(lessons);
  await memory.flush();
  const json = JSON.parse((await run(["inspect", dir, "--json"])).out);
  const calibration = json.index.calibration;
  t.truthy(calibration);
  t.is(calibration.k, 10);
  t.is(calibration.targetRecall, 0.97);
  // Bag-of-words vectors tie a lot, which caps measurable recall: only the report is checked here.
  t.true(calibration.recall > 0 && calibration.recall <= 1);
  t.is(calibration.efSearch, json.index.efSearch);
  t.true(calibration.newVectors > 0, "new lessons held back from the index were among the queries");
  t.regex(
    (await run(["inspect", dir])).out,
    /recall@10 [01]\.\d{3} at efSearch \d+ \(aim 0\.97(, NOT reached)?\), measured against exact search/,
  );
  // The check sample the calibration saved, and a recall measured by loading the index now.
  t.truthy(calibration.check);
  t.is(calibration.check.efSearch, calibration.efSearch);
  t.is(json.index.measuredNow, null, "nothing is loaded without --measure");
  const measured = await run(["inspect", dir, "--measure"]);
  t.is(measured.error, undefined);
  t.regex(measured.out, /check sample: recall@10 [01]\.\d{3} at efSearch \d+ on \d+ queries at 2100 lessons as saved/);
  t.regex(
    measured.out,
    /measured now \(this load\): recall@10 [01]\.\d{3} at efSearch \d+ on \d+ queries at 2100 lessons; the load (kept|retuned|recalibrated) the calibration/,
  );
  const now = JSON.parse((await run(["inspect", dir, "--json", "--measure"])).out).index.measuredNow;
  t.true(now.recall > 0 && now.recall <= 1);
  t.true(["kept", "retuned", "recalibrated"].includes(now.action));
});
