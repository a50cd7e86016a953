// Every example runs to the end: they are documentation, and documentation that does not run lies.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import test from "ava";

const run = promisify(execFile);
const folder = join(import.meta.dirname, "..", "..", "examples");

for (const file of readdirSync(folder).filter((f) => f.endsWith(".ts"))) {
  test(`examples/${file} runs to the end`, async (t) => {
    const { stdout } = await run(process.execPath, ["--import=tsx", "--conditions=source", join(folder, file)], {
      timeout: 90_000,
    });
    t.regex(stdout, /step \d+: mean/);
  });
}
