import { resolve } from "node:path";
import { Command } from "commander";
import { readRunData } from "../report/run-data.js";
import { writeRunReport } from "../report/write-run-report.js";

const HELP_AFTER = `
Examples:
  lanpo report runs/demo          writes runs/demo/report.html (lanpo run writes it too, at its end)

The page is one self-contained file: each plot an inline SVG rendered now with Vega-Lite, no script,
nothing loaded from the network, so it opens offline and can be mailed or archived as it is.
Exit status: 0 written; 2 when RUN_DIR is not a run folder.`;

/** `lanpo report RUN_DIR`: (re)write a run folder's `report.html` from its pool and event log. */
export function reportCommand(io: { stdout?: { write(text: string): unknown } } = {}): Command {
  return new Command("report")
    .description("write RUN_DIR/report.html: the plots and tables of a run, one self-contained page")
    .argument("<run-dir>", "the --out folder of a lanpo run")
    .addHelpText("after", HELP_AFTER)
    .action(async (runDir: string) => {
      const data = await readRunData(resolve(runDir));
      const file = await writeRunReport(data);
      (io.stdout ?? process.stdout).write(`${file}\n`);
    });
}
