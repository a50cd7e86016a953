import type { RolloutStatus } from "@lanpo/core";

/**
 * A finished trial's reward, as the middleware and the callback handler both score it: an empty
 * answer is 0 without asking (as the trainer scores it: a bad completion is a scored completion);
 * otherwise what `reward` returns, or null (the trial is stored `unscored`) when there is no
 * reward, or it returns null or undefined, or it fails or answers something that is not a finite
 * number (then `onError` is told).
 */
export async function scoreTrial(
  completion: string,
  reward: (() => unknown) | undefined,
  onError: (error: unknown) => void | Promise<void>,
): Promise<number | null> {
  if (completion.trim() === "") return 0;
  if (!reward) return null;
  try {
    const value = await reward();
    if (value === null || value === undefined) return null;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new TypeError(`reward returned ${String(value)}, not a finite number or null`);
    }
    return value;
  } catch (error) {
    await onError(error);
    return null;
  }
}

/** The status a trial is stored with: `failed` when the run threw, `unscored` without a reward. */
export function trialStatus(failed: boolean, reward: number | null, completion: string): RolloutStatus {
  if (failed) return "failed";
  if (reward === null) return "unscored";
  return completion.trim() === "" ? "empty" : "ok";
}
