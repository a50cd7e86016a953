import { Command } from "commander";
import { compareCommand } from "./commands/compare.js";
import { memoryCommand } from "./commands/memory.js";
import { rayCommand } from "./commands/ray.js";
import { reportCommand } from "./commands/report.js";
import { runCommand } from "./commands/run.js";
import { serveRewardCommand } from "./commands/serve-reward.js";
import { verifyCommand } from "./commands/verify.js";
import { cliVersion } from "./version.js";

/**
 * The `lanpo` program. Usage errors exit through `exitOverride`, so `bin.ts` decides exit codes
 * and tests can call `parseAsync` without the process ending.
 *
 * @example await createProgram().parseAsync(["run", "--dataset", "gsm8k"], { from: "user" });
 */
export function createProgram(): Command {
  const program = new Command("lanpo")
    .description("LANPO for LangChain.js: RL where an experience pool feeds language back into exploration")
    .version(cliVersion(), "-V, --version")
    .addCommand(runCommand())
    .addCommand(reportCommand())
    .addCommand(compareCommand())
    .addCommand(verifyCommand())
    .addCommand(memoryCommand())
    .addCommand(rayCommand())
    .addCommand(serveRewardCommand());
  program.addHelpText(
    "after",
    `
Exit status:
  0    done
  1    an unexpected error (its stack is printed: please report it)
  2    bad input, or a failure the message explains (what was wrong and how to fix it)
  130  interrupted (Ctrl-C); lanpo run says how to resume`,
  );
  // addCommand does not pass settings down, so every command gets them here.
  for (const command of [program, ...program.commands])
    command.exitOverride().showHelpAfterError("(run with --help for usage)");
  return program;
}
