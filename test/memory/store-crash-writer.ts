// Child process for the crash test: saves a growing store to one folder over and over and reports
// each completed save on stdout, until the parent kills it with SIGKILL at an arbitrary moment.
// With "projected" as its second argument the store uses the projected layout (fitted at 1,000).
import { Document } from "@langchain/core/documents";
import { HnswLessonStore } from "../../memory/src/store/hnsw-lesson-store.ts";
import { randomVectors, TableEmbeddings } from "./hnsw-store-helpers.ts";

const dir = process.argv[2] as string;
const dims = 64;
const projected = process.argv[3] === "projected";
const store = new HnswLessonStore(new TableEmbeddings(dims), {
  numDimensions: dims,
  ...(projected ? { projection: { dimensions: 16, fitAfter: 1000 } } : {}),
});
for (let round = 1; ; round++) {
  const vectors = randomVectors(500, dims, round);
  await store.addVectors(
    vectors,
    vectors.map((_, i) => new Document({ pageContent: `r${round}-${i}`, id: `r${round}-${i}` })),
  );
  await store.save(dir);
  process.stdout.write(`saved ${store.size}\n`);
}
