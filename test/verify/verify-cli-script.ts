// A tiny `lanpo` with only the verify command, run as a child process by verify-command.test.ts.
// Exit codes follow packages/cli/src/bin.ts: 0 done, 2 bad input (a LanpoError or usage error).
import { LanpoError } from "@lanpo/core";
import { Command, CommanderError } from "commander";
import { verifyCommand } from "../../packages/cli/src/commands/verify.js";

const program = new Command("lanpo").exitOverride().addCommand(verifyCommand().exitOverride());
try {
  await program.parseAsync(process.argv);
  process.exitCode = 0;
} catch (error) {
  if (LanpoError.isInstance(error)) process.stderr.write(`lanpo: ${error.message}\n`);
  process.exitCode = error instanceof CommanderError || LanpoError.isInstance(error) ? 2 : 1;
}
