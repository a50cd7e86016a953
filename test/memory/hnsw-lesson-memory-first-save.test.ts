// A run killed during its first memory save must still resume: found by CI, where `lanpo run
// --resume` after a SIGKILL failed with "not a lesson memory folder" on a half-written folder.
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { HnswLessonMemory } from "../../memory/src/lesson-memory/hnsw-lesson-memory.ts";
import { DRAFTS } from "../core/lesson-memory-contract.ts";
import { BagOfWordsEmbeddings } from "../fixtures/memory-bag-of-words-embeddings.ts";

const all = { k: 10, minScore: -1, excludeProblemIds: [] as string[] };

test("the info file is written before the stores, so a first save that dies leaves a folder that opens", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "lanpo-memory-"));
  const memory = await HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() });
  await memory.add(DRAFTS.slice(0, 2));
  await memory.flush();
  t.true((await readdir(dir)).includes("lanpo-memory.json"));
  // Simulate a process killed half-way through its first save: info file and a partial texts
  // store are there, the problems store never reached its manifest.
  await rm(join(dir, "problems"), { recursive: true });
  await mkdir(join(dir, "problems"));
  await writeFile(join(dir, "problems", "hnswlib.index.tmp"), "partial");
  const reopened = await HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() });
  t.is((await reopened.stats()).lessons, 0, "nothing was committed, so the memory starts empty");
  await reopened.add(DRAFTS.slice(0, 1));
  await reopened.flush();
  const again = await HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() });
  t.is((await again.stats()).lessons, 1);
  t.is((await again.search(DRAFTS[0]!.problemText, all)).length, 1);
});

test("a first save killed while writing the info file leaves a folder that opens as new", async (t) => {
  // Found by the --resume-after-SIGKILL CLI test: the kill landed between the info file's temporary
  // write and its rename.
  const dir = await mkdtemp(join(tmpdir(), "lanpo-memory-"));
  await writeFile(join(dir, "lanpo-memory.json.tmp"), '{"format":"lanpo-lesson');
  const memory = await HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() });
  t.is((await memory.stats()).lessons, 0);
  await memory.add(DRAFTS.slice(0, 1));
  await memory.flush();
  const again = await HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() });
  t.is((await again.stats()).lessons, 1);
});

test("a folder with other content and no info file is still refused", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "lanpo-memory-"));
  await writeFile(join(dir, "notes.txt"), "mine");
  await t.throwsAsync(HnswLessonMemory.open({ dir, embeddings: new BagOfWordsEmbeddings() }), {
    message: /not a lesson memory folder/,
  });
});
