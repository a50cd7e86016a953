// Runs every bench/*.bench.ts in its own process, one after another, so one benchmark's memory and
// JIT state never colours the next. `npm run bench -- hnsw` runs only files whose name contains "hnsw".
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts") && (!filter || f.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches "${filter}"; files are bench/*.bench.ts`);
  process.exit(1);
}
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const result = spawnSync(process.execPath, ["--import=tsx", "--conditions=source", "--expose-gc", join(here, file)], {
    stdio: "inherit",
  });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
