import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError } from "@lanpo/core";
import { Command } from "commander";
import { compareRuns } from "../report/compare-runs.js";
import { formatComparisonTable } from "../report/compare-table.js";
import { renderComparison } from "../report/render-compare.js";
import { type RunData, readRunData } from "../report/run-data.js";

const HELP_AFTER = `
Examples:
  lanpo run --dataset gsm8k --limit 64 --out runs/lanpo
  lanpo run --dataset gsm8k --limit 64 --out runs/grpo --baseline grpo
  lanpo compare runs/lanpo runs/grpo
  lanpo compare --arm lanpo=runs/l0,runs/l1,runs/l2 --arm grpo=runs/g0,runs/g1,runs/g2 --out cmp.html

Runs given as arguments are grouped into arms by what their config.json records: "grpo" for a run
made with --baseline grpo, "lanpo" otherwise. --arm NAME=DIR,DIR names an arm and its runs (one run
per seed) yourself; both may be mixed. With two or more runs in each arm, the difference in mean
reward comes with its standard error over seeds. A warning says when the runs did not see the same
problems, group size, steps and batch (not equal samples).
Prints the side-by-side table on stdout and writes one self-contained page (--out, default
./compare.html) with the overlaid plots.
Exit status: 0 compared; 2 when a folder is not a run, or fewer than two runs are given.`;

/** Parses `--arm NAME=DIR,DIR` (repeatable). */
function collectArm(value: string, previous: [string, string[]][]): [string, string[]][] {
  const match = /^([^=]+)=(.+)$/.exec(value);
  if (!match)
    throw new ConfigError("arm", `--arm ${value}: write NAME=DIR[,DIR...], such as --arm grpo=runs/g0,runs/g1`);
  const dirs = (match[2] ?? "").split(",").filter((d) => d.trim() !== "");
  return [...previous, [(match[1] ?? "").trim(), dirs]];
}

/** `lanpo compare RUN_A RUN_B [...]`: LANPO against its baselines, side by side. */
export function compareCommand(io: { stdout?: { write(text: string): unknown }; cwd?: string } = {}): Command {
  return new Command("compare")
    .description("compare runs side by side (e.g. LANPO against its --baseline grpo run): a table and compare.html")
    .argument("[run-dirs...]", "run folders; grouped into arms by their recorded arm (lanpo, grpo)")
    .option("--arm <name=dirs>", "an arm and its run folders, comma-separated (repeatable)", collectArm, [])
    .option("--out <file>", "where to write the page (default ./compare.html)")
    .addHelpText("after", HELP_AFTER)
    .action(async (dirs: string[], options: { arm: [string, string[]][]; out?: string }) => {
      const cwd = io.cwd ?? process.cwd();
      const groups = new Map<string, RunData[]>();
      const add = (arm: string, data: RunData) => groups.set(arm, [...(groups.get(arm) ?? []), data]);
      for (const [arm, armDirs] of options.arm)
        for (const dir of armDirs) add(arm, await readRunData(resolve(cwd, dir)));
      for (const dir of dirs) {
        const data = await readRunData(resolve(cwd, dir));
        add(data.arm, data);
      }
      const total = [...groups.values()].reduce((a, g) => a + g.length, 0);
      if (total < 2) {
        throw new ConfigError(
          "runDirs",
          `compare needs at least two runs, got ${total}; pass two run folders, e.g. lanpo compare runs/lanpo runs/grpo`,
        );
      }
      const comparison = compareRuns(groups);
      const out = resolve(cwd, options.out ?? "compare.html");
      writeFileSync(out, await renderComparison(comparison, { generatedAt: new Date().toISOString() }));
      (io.stdout ?? process.stdout).write(`${formatComparisonTable(comparison)}\ncompare page: ${out}\n`);
    });
}
