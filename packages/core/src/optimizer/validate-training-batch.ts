import { ConfigError } from "../errors/config-error.js";
import { FEEDBACK_KINDS } from "../types/feedback.js";
import type { TrainingBatch } from "./optimizer.js";

/**
 * Checks a batch before an optimizer accepts it, so nothing malformed becomes durable and is
 * resent forever. Throws a {@link ConfigError} naming the first bad field (`batch.samples[3].reward`).
 */
export function validateTrainingBatch(batch: TrainingBatch): void {
  if (typeof batch !== "object" || batch === null) throw new ConfigError("batch", "must be an object");
  if (typeof batch.batchId !== "string" || batch.batchId === "" || /[\r\n]/.test(batch.batchId)) {
    throw new ConfigError("batch.batchId", "must be a non-empty string without line breaks");
  }
  if (!Number.isInteger(batch.step) || batch.step < 0) {
    throw new ConfigError("batch.step", `must be an integer >= 0, got ${String(batch.step)}`);
  }
  if (typeof batch.runId !== "string" || batch.runId === "")
    throw new ConfigError("batch.runId", "must be a non-empty string");
  if (!Number.isFinite(batch.createdAtMs)) throw new ConfigError("batch.createdAtMs", "must be a finite number");
  if (!Array.isArray(batch.samples)) throw new ConfigError("batch.samples", "must be an array");
  batch.samples.forEach((sample, i) => {
    const fail = (name: string, message: string) => new ConfigError(`batch.samples[${i}].${name}`, message);
    if (typeof sample.rolloutId !== "string" || sample.rolloutId === "")
      throw fail("rolloutId", "must be a non-empty string");
    if (typeof sample.problemId !== "string" || sample.problemId === "")
      throw fail("problemId", "must be a non-empty string");
    if (!Array.isArray(sample.prompt) || sample.prompt.length === 0)
      throw fail("prompt", "must be a non-empty message list");
    if (!Array.isArray(sample.originalPrompt) || sample.originalPrompt.length === 0) {
      throw fail("originalPrompt", "must be a non-empty message list");
    }
    if (typeof sample.completion !== "string") throw fail("completion", "must be a string");
    if (!Number.isFinite(sample.reward)) throw fail("reward", `must be a finite number, got ${String(sample.reward)}`);
    if (!Number.isFinite(sample.advantage)) {
      throw fail("advantage", `must be a finite number, got ${String(sample.advantage)}`);
    }
    if (!FEEDBACK_KINDS.includes(sample.feedback))
      throw fail("feedback", `must be one of ${FEEDBACK_KINDS.join(", ")}`);
    if (!Array.isArray(sample.lessonIds)) throw fail("lessonIds", "must be an array");
    if (typeof sample.groupId !== "string" || sample.groupId === "")
      throw fail("groupId", "must be a non-empty string");
    if (!Number.isInteger(sample.groupSize) || sample.groupSize < 1) throw fail("groupSize", "must be an integer >= 1");
    if (!["grpo", "drgrpo", "rloo"].includes(sample.estimator)) throw fail("estimator", "must be grpo, drgrpo or rloo");
    if (!["ok", "empty", "truncated", "unparseable"].includes(sample.status)) {
      throw fail("status", "must be ok, empty, truncated or unparseable (failed rollouts are not samples)");
    }
    if (sample.finishReason !== null && typeof sample.finishReason !== "string") {
      throw fail("finishReason", "must be a string or null");
    }
  });
}
