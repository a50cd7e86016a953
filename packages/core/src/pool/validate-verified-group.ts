import { ConfigError } from "../errors/config-error.js";
import type { RolloutStatus } from "../types/attempt.js";
import { FEEDBACK_KINDS } from "../types/feedback.js";
import type { VerifiedGroup } from "./experience-pool.js";

const ESTIMATORS: readonly string[] = ["grpo", "drgrpo", "rloo"];
const SCORED: readonly RolloutStatus[] = ["ok", "empty", "truncated", "unparseable"];

/**
 * Checks a group before any pool writes it, so a malformed group is refused whole instead of
 * stored in part. Throws a {@link ConfigError} whose `field` is the dotted path of the first
 * problem found (for example `group.rollouts[2].step`).
 */
export function validateVerifiedGroup(group: VerifiedGroup): void {
  if (typeof group !== "object" || group === null) throw new ConfigError("group", "must be an object");
  if (typeof group.problemId !== "string" || group.problemId === "") {
    throw new ConfigError("group.problemId", "must be a non-empty string");
  }
  if (!Number.isInteger(group.step) || group.step < 0) {
    throw new ConfigError("group.step", `must be an integer >= 0, got ${String(group.step)}`);
  }
  if (!Array.isArray(group.rollouts) || group.rollouts.length === 0) {
    throw new ConfigError("group.rollouts", "must hold at least one rollout");
  }
  if (!Array.isArray(group.reflections)) throw new ConfigError("group.reflections", "must be an array");
  const indices = new Set<number>();
  const ids = new Set<string>();
  group.rollouts.forEach((rollout, i) => {
    const field = `group.rollouts[${i}]`;
    const fail = (name: string, message: string) => new ConfigError(`${field}.${name}`, message);
    if (typeof rollout.id !== "string" || rollout.id === "") throw fail("id", "must be a non-empty string");
    if (ids.has(rollout.id)) throw fail("id", `"${rollout.id}" appears twice in the group`);
    ids.add(rollout.id);
    if (rollout.problemId !== group.problemId) {
      throw fail("problemId", `is "${rollout.problemId}" but the group is for "${group.problemId}"`);
    }
    if (rollout.step !== group.step) throw fail("step", `is ${rollout.step} but the group is of step ${group.step}`);
    if (!Number.isInteger(rollout.index) || rollout.index < 0 || indices.has(rollout.index)) {
      throw fail("index", `must be a distinct integer >= 0 within the group, got ${String(rollout.index)}`);
    }
    indices.add(rollout.index);
    if (!FEEDBACK_KINDS.includes(rollout.feedback)) {
      throw fail("feedback", `must be one of ${FEEDBACK_KINDS.join(", ")}, got ${String(rollout.feedback)}`);
    }
    if (!Array.isArray(rollout.messages) || !Array.isArray(rollout.originalMessages)) {
      throw fail("messages", "messages and originalMessages must be arrays of chat messages");
    }
    if (typeof rollout.completion !== "string") throw fail("completion", "must be a string");
    if (typeof rollout.groupId !== "string" || rollout.groupId === "") {
      throw fail("groupId", "must be a non-empty string naming the GRPO group (one problem in one step of one run)");
    }
    if (!ESTIMATORS.includes(rollout.estimator)) {
      throw fail("estimator", `must be one of ${ESTIMATORS.join(", ")}, got ${String(rollout.estimator)}`);
    }
    if (rollout.finishReason !== null && typeof rollout.finishReason !== "string") {
      throw fail("finishReason", "must be a string or null");
    }
    if (rollout.model !== null && typeof rollout.model !== "string") throw fail("model", "must be a string or null");
    if (!Array.isArray(rollout.lessonIds)) throw fail("lessonIds", "must be an array of lesson ids");
    if (SCORED.includes(rollout.status)) {
      if (!Number.isFinite(rollout.reward))
        throw fail("reward", `must be a finite number on a scored (${rollout.status}) rollout`);
      if (!Number.isFinite(rollout.advantage))
        throw fail("advantage", `must be a finite number on a scored (${rollout.status}) rollout`);
    } else if (rollout.status === "failed" || rollout.status === "unscored") {
      if (rollout.reward !== null || rollout.advantage !== null) {
        throw fail("reward", `a ${rollout.status} rollout has no reward and no advantage (both null)`);
      }
    } else {
      throw fail(
        "status",
        `must be one of ${[...SCORED, "failed", "unscored"].join(", ")}, got ${String(rollout.status)}`,
      );
    }
  });
  group.reflections.forEach((reflection, i) => {
    if (typeof reflection.id !== "string" || reflection.id === "") {
      throw new ConfigError(`group.reflections[${i}].id`, "must be a non-empty string");
    }
    if (reflection.problemId !== group.problemId) {
      throw new ConfigError(
        `group.reflections[${i}].problemId`,
        `is "${reflection.problemId}" but the group is for "${group.problemId}"`,
      );
    }
  });
}

/** Checks the options of `priorAttempts`. */
export function validatePriorAttemptOptions(options: { beforeStep: number; limit: number }): void {
  if (!Number.isInteger(options.beforeStep)) {
    throw new ConfigError("beforeStep", `must be an integer, got ${String(options.beforeStep)}`);
  }
  if (!Number.isInteger(options.limit) || options.limit < 0) {
    throw new ConfigError("limit", `must be an integer >= 0, got ${String(options.limit)}`);
  }
}
