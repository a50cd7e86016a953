import { ConfigError } from "@lanpo/core";
import { Command } from "commander";
import { executeRun } from "../run/execute-run.js";
import { resolveRunConfig } from "../run/resolve-run-config.js";

const HELP_AFTER = `
Examples:
  lanpo run --dataset gsm8k --limit 64 --group 8 --steps 8 --batch 8 --out runs/demo
  lanpo run --dataset math500 --model-url http://localhost:8000/v1 --model Qwen/Qwen2.5-7B-Instruct --out runs/qwen
  lanpo run --config run.json --steps 20         (flags override the file's fields)
  lanpo run --dataset gsm8k --limit 64 --out runs/grpo --baseline grpo   (the GRPO arm; then lanpo compare runs/demo runs/grpo)
  lanpo run --resume runs/demo                   (continue a killed run; verified groups are not redone)
  lanpo run --resume runs/qwen --model-url http://new-host:8000/v1   (the same run, its server moved)
  lanpo run --dataset gsm8k --model-url http://127.0.0.1:8000/v1 --optimizer ray --ingest-url http://127.0.0.1:8000

Without --model-url the offline scripted policy answers: it is for wiring, not for results.
The run folder holds config.json, pool.sqlite, outbox/, memory/, events.jsonl, summary.json and report.html.`;

/** `lanpo run`: train with LANPO on a data set and write a run folder. */
export function runCommand(): Command {
  return new Command("run")
    .description("run the LANPO trainer on a data set and write a run folder (pool, outbox, events, summary, report)")
    .option("--dataset <name|path>", "gsm8k | math500 | aime24 | amc23 | PATH.jsonl")
    .option("--limit <n>", "use only the first N problems (default: all)")
    .option("--question-field <name>", 'question field of a PATH.jsonl (default "question")')
    .option("--answer-field <name>", 'gold-answer field of a PATH.jsonl (default "answer")')
    .option("--id-field <name>", 'id field of a PATH.jsonl, optional in rows (default "id")')
    .option("--group <g>", "rollouts per problem (default 8)")
    .option("--steps <s>", "trainer steps (default 8)")
    .option("--batch <b>", "problems per step (default 8)")
    .option("--out <dir>", "run folder (default runs/run-<time>)")
    .option("--seed <n>", "seed of every random choice (default 0)")
    .option(
      "--model-url <url>",
      "OpenAI-compatible server, e.g. http://localhost:8000/v1 (default: offline scripted policy)",
    )
    .option("--model <name>", "model name on that server (default: the only one it lists)")
    .option("--api-key <key>", "API key of the server (default: $OPENAI_API_KEY, else a placeholder for local servers)")
    .option("--temperature <t>", "sampling temperature (default 1)")
    .option("--max-tokens <n>", "completion token cap (default: the server's)")
    .option("--scripted-success-rate <p>", "success rate of the scripted policy (default 0.35)")
    .option("--concurrency <n>", "model calls in flight (default 64)")
    .option("--timeout-ms <ms>", "per model call (default 120000)")
    .option("--retries <n>", "extra tries of a failed model call (default 2)")
    .option("--max-outage-ms <ms>", "how long calls wait out a model server that stopped answering (default 60000)")
    .option("--k <n>", "lessons per context at most (default 3)")
    .option(
      "--min-score <s>",
      "cosine similarity under which lessons are not retrieved (default: the embeddings' calibrated threshold)",
    )
    .option(
      "--baseline <arm>",
      "grpo: the plain-GRPO arm (same problems, seeds and samples, no language feedback); none: LANPO (default)",
    )
    .option("--embeddings <kind>", "lesson-memory embeddings: default (offline sentence encoder) or lexical (fast)")
    .option("--cache-dir <dir>", "embedding cache folder (default: $LANPO_CACHE_DIR, else ~/.cache/lanpo)")
    .option("--optimizer <kind>", "local (a trainer inbox file, default) or ray (a trainer's HTTP ingest)")
    .option("--ingest-url <url>", "trainer ingest for --optimizer ray, e.g. http://head-node:8000")
    .option("--ray-address <url>", "Ray dashboard, to launch the trainer job with --launch, e.g. http://head-node:8265")
    .option("--launch <entrypoint>", "submit the trainer as a Ray job with this entrypoint when the run starts")
    .option("--config <file.json>", "JSON file with any of these settings in camelCase; flags override it")
    .option("--resume <dir>", "continue the run in DIR with its stored settings")
    .option("--json", "print one JSON object (run folder, report path, summary) on stdout instead of the table")
    .option("--quiet", "no progress, notices or hints on stderr (warnings and errors still)")
    .option("--overwrite", "delete an earlier run in --out first (never a folder that is not a run folder)")
    .addHelpText("after", HELP_AFTER)
    .action(async (flags: Record<string, unknown>) => {
      const {
        config: configFile,
        resume: resumeDir,
        overwrite,
        json,
        quiet,
        ...rest
      } = flags as {
        config?: string;
        resume?: string;
        overwrite?: boolean;
        json?: boolean;
        quiet?: boolean;
      } & Record<string, unknown>;
      if (overwrite && resumeDir !== undefined) {
        throw new ConfigError("overwrite", "--overwrite deletes the run that --resume continues; pass one of them");
      }
      const run = resolveRunConfig({ flags: rest, configFile, resumeDir });
      // Ctrl-C once: finish the step in progress, write the summary, say how to resume. Twice: stop
      // now (every verified group is already committed to the pool).
      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) {
          process.stderr.write(`stopped; continue with lanpo run --resume ${run.out}\n`);
          process.exit(130);
        }
        controller.abort();
      };
      process.on("SIGINT", onSigint);
      try {
        const outcome = await executeRun({
          run,
          overwrite: overwrite === true,
          signal: controller.signal,
          output: json ? "json" : "table",
          quiet: quiet === true,
        });
        if (outcome.interrupted) process.exitCode = 130;
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
}
