// Runs lanpo_trainer's standard-library unittest suite (packages/ray/trainer/tests) with a Python that
// imports torch: schema validation, dedup across restart, regrouping, the clipped loss and importance
// weight against hand-computed values, checkpoints, bad input, the HTTP server.
import { spawn } from "node:child_process";
import test from "ava";
import { findTorchPython, TRAINER_DIR } from "./closed-loop-harness.js";

const found = findTorchPython();
if (found.python === null) console.log(`python-unit: skipped, ${found.reason}`);
const maybe = found.python === null ? test.skip : test;

maybe("lanpo_trainer's Python unit tests pass", async (t) => {
  t.timeout(600_000);
  const python = found.python as string;
  const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(python, ["-m", "unittest", "discover", "-v", "-s", "tests", "-t", "."], {
      cwd: TRAINER_DIR,
      env: { ...process.env, PYTHONPATH: TRAINER_DIR, PYTHONDONTWRITEBYTECODE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.on("close", (code) => resolve({ code, output }));
  });
  // Skips say why (the hf backend's test needs transformers and a CUDA device).
  for (const line of result.output.split("\n")) if (/skipped/.test(line)) t.log(line.trim());
  t.log(result.output.trim().split("\n").slice(-3).join("\n"));
  t.is(result.code, 0, result.output);
  t.regex(result.output, /\nOK/);
});
