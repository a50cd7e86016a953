import { readFileSync } from "node:fs";
import { cliVersion, createProgram } from "@lanpo/cli";
import test from "ava";
import { CommanderError } from "commander";

test("the program registers run, verify and memory and reports the package version", (t) => {
  const program = createProgram();
  const names = program.commands.map((c) => c.name());
  t.true(names.includes("run"));
  t.true(names.includes("verify"));
  t.true(names.includes("memory"));
  const pkg = JSON.parse(readFileSync(new URL("../../packages/cli/package.json", import.meta.url), "utf8"));
  t.is(cliVersion(), pkg.version);
  t.is(program.version(), pkg.version);
});

test("an unknown flag of lanpo run is a CommanderError, not a process exit", async (t) => {
  const program = createProgram();
  for (const command of [program, ...program.commands])
    command.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  const error = await t.throwsAsync(program.parseAsync(["run", "--datset", "gsm8k"], { from: "user" }), {
    instanceOf: CommanderError,
  });
  t.is(error?.code, "commander.unknownOption");
});
