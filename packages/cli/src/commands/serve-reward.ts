import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Writable } from "node:stream";
import { ConfigError, SqliteExperiencePool } from "@lanpo/core";
import { ProblemIndex, RewardServer } from "@lanpo/ray";
import { createMathReward } from "@lanpo/verify";
import { Command } from "commander";
import { loadDataset } from "../datasets/load-dataset.js";

/** Where `lanpo serve-reward` writes, and how it is stopped; injectable for tests. */
export interface ServeRewardCommandIo {
  /** @default process.stdout */
  stdout?: Writable;
  /** @default process.stderr */
  stderr?: Writable;
  /** Resolves when the server should stop. @default the first SIGINT or SIGTERM */
  stopSignal?: Promise<unknown>;
  /** Hears the server once it listens (tests read its URL). */
  onListening?: (server: RewardServer, url: string) => void;
}

interface ServeRewardFlags {
  port: string;
  host: string;
  dataset?: string;
  questionField: string;
  answerField: string;
  out: string;
  groupSize?: string;
  groupIdleMs: string;
  token?: string;
  maxBodyBytes: string;
  formatPenalty: string;
}

const HELP_AFTER = `
Examples:
  lanpo serve-reward --port 5000 --dataset gsm8k
  # then, in OpenRLHF (v0.10.2 and later):
  python -m openrlhf.cli.train_ppo_ray ... --label_key answer \\
      --reward.remote_url http://THIS_HOST:5000/get_reward
  # older OpenRLHF: --remote_rm_url http://THIS_HOST:5000/get_reward

Requests are {"query": [...], "prompts": [...], "labels": [...]}; the reply is
{"rewards": [...], "scores": [...], "extra_logs": {}}. Without labels (older trainers send only
query), the gold answer is that of the --dataset question the query contains. Every scored
rollout is recorded in <out>/pool.sqlite, grouped by problem (a group is committed once it holds
--group-size samples, or after --group-idle-ms without a new one), for lanpo's memory to learn from.`;

function wholeNumber(field: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new ConfigError(field, `expected a whole number >= ${min}, got "${value}"`);
  return n;
}

function untilSignal(): Promise<unknown> {
  return new Promise((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
}

/**
 * `lanpo serve-reward`: an OpenRLHF remote reward endpoint scoring with @lanpo/verify and recording
 * every scored rollout in an experience pool. Register with `program.addCommand(serveRewardCommand())`.
 */
export function serveRewardCommand(io: ServeRewardCommandIo = {}): Command {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const command = new Command("serve-reward")
    .description("serve rewards to OpenRLHF (--reward.remote_url / --remote_rm_url) and record its rollouts")
    .requiredOption("--port <port>", "port to listen on (0 picks a free one)")
    .option("--host <host>", "address to listen on", "0.0.0.0")
    .option("--dataset <name|file>", "bundled set (gsm8k, math500, aime24, amc23) or a .jsonl file, for gold answers")
    .option("--question-field <field>", "question field of a custom file", "question")
    .option("--answer-field <field>", "gold-answer field of a custom file", "answer")
    .option("--out <dir>", "folder of the experience pool", join("runs", "serve-reward"))
    .option(
      "--group-size <n>",
      "samples per prompt (OpenRLHF's --n_samples_per_prompt); full groups are committed at once",
    )
    .option("--group-idle-ms <ms>", "commit a group after this long without a new sample", "5000")
    .option("--token <token>", "require Authorization: Bearer <token>")
    .option("--max-body-bytes <n>", "refuse larger bodies with 413", String(16 * 1024 * 1024))
    .option("--format-penalty <reward>", "reward of a completion with no final answer", "0")
    .addHelpText("after", HELP_AFTER)
    .action(async (flags: ServeRewardFlags) => {
      const port = wholeNumber("port", flags.port, 0);
      const formatPenalty = Number(flags.formatPenalty);
      if (!Number.isFinite(formatPenalty)) {
        throw new ConfigError("format-penalty", `expected a number, got "${flags.formatPenalty}"`);
      }
      const dataset = flags.dataset
        ? loadDataset({ dataset: flags.dataset, questionField: flags.questionField, answerField: flags.answerField })
        : undefined;
      const out = resolve(flags.out);
      mkdirSync(out, { recursive: true });
      const pool = SqliteExperiencePool.open(join(out, "pool.sqlite"));
      const server = new RewardServer({
        score: createMathReward({ formatPenalty }),
        problems: dataset ? new ProblemIndex(dataset.problems) : undefined,
        pool,
        groupSize: flags.groupSize === undefined ? null : wholeNumber("group-size", flags.groupSize, 1),
        groupIdleMs: wholeNumber("group-idle-ms", flags.groupIdleMs, 1),
        token: flags.token,
        maxBodyBytes: wholeNumber("max-body-bytes", flags.maxBodyBytes, 1),
        onError: (error) => stderr.write(`lanpo serve-reward: ${(error as Error)?.message ?? String(error)}\n`),
      });
      let url: string;
      try {
        url = await server.listen({ port, host: flags.host });
      } catch (cause) {
        await pool.close();
        const code = (cause as NodeJS.ErrnoException).code;
        throw new ConfigError(
          "port",
          code === "EADDRINUSE"
            ? `port ${port} is in use; pass another --port`
            : `cannot listen on ${flags.host}:${port} (${code ?? cause})`,
          { cause },
        );
      }
      stdout.write(
        `lanpo serve-reward: listening on ${url} (${dataset ? `${dataset.problems.length} problems of ${dataset.name}` : "labels only: no --dataset"}); pool in ${join(out, "pool.sqlite")}\n`,
      );
      io.onListening?.(server, url);
      await (io.stopSignal ?? untilSignal());
      await server.close();
      await pool.close();
      const stats = server.stats;
      stdout.write(
        `lanpo serve-reward: stopped after ${stats.scored} rewards; ${stats.groupsCommitted} groups recorded${stats.groupsFailed ? `, ${stats.groupsFailed} failed` : ""}\n`,
      );
    });
  command.configureOutput({ writeErr: (s) => stderr.write(s), writeOut: (s) => stdout.write(s) });
  return command;
}
