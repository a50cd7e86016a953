import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
// @ts-expect-error: a plain .mjs build script without type declarations
import { assemble, render, WASM_MODULES } from "../../scripts/build-wasm.mjs";

interface WasmModule {
  wat: string;
  out: string;
  name: string;
}

test("every committed WebAssembly module is its .wat source assembled (run npm run build:wasm if not)", async (t) => {
  const modules = WASM_MODULES as WasmModule[];
  t.true(modules.length >= 2);
  for (const { wat, out, name } of modules) {
    const bytes = await assemble(wat);
    t.true(bytes.length > 8 && bytes.subarray(0, 4).toString("latin1") === "\0asm", `${wat} assembles`);
    t.is(await readFile(out, "utf8"), render(bytes, wat, name), `${out} is stale: run npm run build:wasm`);
  }
});

test("a .wat that does not assemble is an error naming the file, not empty bytes", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "lanpo-wat-"));
  const broken = join(dir, "broken.wat");
  await writeFile(broken, '(module (func (export "f") (i32.add)))');
  const error = await t.throwsAsync(assemble(broken));
  t.regex(error?.message ?? "", /broken\.wat/);
});
