// Runs ava with the arguments given, passes its output through unchanged, and ends with one plain
// line of counts ("ava: N passed, N failed, N skipped") that CI systems can read whatever the
// reporter printed. Exits with ava's exit code.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

// ava's exports map hides its CLI file; its main entry sits beside it.
const require = createRequire(import.meta.url);
const avaCli = join(dirname(require.resolve("ava")), "cli.mjs");
const child = spawn(process.execPath, [avaCli, ...process.argv.slice(2)], { stdio: ["inherit", "pipe", "pipe"] });
const counts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
// With failures ava's summary leaves out the passed count, so passes are also counted one by one.
let ticks = 0;
let tail = "";
function scan(chunk) {
  const text = tail + chunk.toString();
  const lines = text.split("\n");
  tail = lines.pop() ?? "";
  for (const line of lines) count(line);
}
function count(line) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the reporter's ANSI colour codes
  const plain = line.replace(/\u001b\[[0-9;]*m/g, "").trim();
  if (plain.startsWith("✔")) ticks++;
  const match =
    /^(\d+) (?:tests?|known failures?|uncaught exceptions?|unhandled rejections?) (passed|failed|skipped|todo)/.exec(
      plain,
    );
  if (match) counts[match[2]] += Number(match[1]);
  const other =
    /^(\d+) (uncaught exceptions?|unhandled rejections?|tests? remained pending|files? with \.only tests?)$/.exec(
      plain,
    );
  if (other) counts.failed += Number(other[1]);
}
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  scan(chunk);
});
child.stderr.on("data", (chunk) => process.stderr.write(chunk));
child.on("close", (code) => {
  if (tail) count(tail);
  counts.passed = Math.max(counts.passed, ticks);
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  process.stdout.write(`\nava: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  process.exit(code ?? 1);
});
