#!/usr/bin/env node
// The `lanpo` command. This file is committed (not built) so that `npm ci` can link
// node_modules/.bin/lanpo before anything is compiled; it runs the compiled CLI.
import { existsSync } from "node:fs";

const compiled = new URL("../dist/bin.js", import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write("lanpo: the CLI is not built yet; run `npm run build` in the repository first\n");
  process.exit(1);
}
await import(compiled.href);
