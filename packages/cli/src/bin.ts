#!/usr/bin/env node
import { LanpoError } from "@lanpo/core";
import { CommanderError } from "commander";
import { createProgram } from "./program.js";

/**
 * Exit codes: 0 done; 2 bad input or a failure the message explains (any LanpoError, or a usage
 * error commander already printed); 1 an unexpected error, with its stack.
 */
async function main(): Promise<number> {
  try {
    await createProgram().parseAsync(process.argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.exitCode === 0
        ? 0
        : 2;
    }
    if (LanpoError.isInstance(error)) {
      process.stderr.write(`lanpo: ${error.name}: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(
      `lanpo: unexpected error, please report it:\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

// `lanpo run --help | head` closes the pipe early: that is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const code = await main();
// A command may have set its own exit code; only a failure here overrides it.
if (code !== 0) process.exitCode = code;
