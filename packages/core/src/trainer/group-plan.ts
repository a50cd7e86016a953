import type { FeedbackKind } from "../types/feedback.js";
import type { Rng } from "../util/rng.js";
import { shuffled } from "../util/rng.js";
import type { FeedbackMix } from "./trainer-options.js";

/**
 * The intended feedback kind of each of a group's G rollouts. Counts are rounded from the mix with
 * the largest-remainder rule, then scratch is what is left and never less than one; the order is
 * shuffled so no kind always gets the first slots. A slot whose feedback turns out unavailable (no
 * earlier attempt, nothing relevant in memory) falls back, and the rollout records what it saw.
 */
export function planGroup(groupSize: number, mix: FeedbackMix, rng: Rng): FeedbackKind[] {
  const wanted: Array<[FeedbackKind, number]> = [
    ["reflection", mix.reflection * groupSize],
    ["abstraction", mix.abstraction * groupSize],
    ["both", mix.both * groupSize],
  ];
  const counts = new Map<FeedbackKind, number>(wanted.map(([k, x]) => [k, Math.floor(x)]));
  let left = Math.round(wanted.reduce((a, [, x]) => a + x, 0)) - [...counts.values()].reduce((a, b) => a + b, 0);
  for (const [kind] of [...wanted].sort((a, b) => (b[1] % 1) - (a[1] % 1))) {
    if (left <= 0) break;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    left--;
  }
  const kinds: FeedbackKind[] = [];
  for (const [kind, n] of counts) for (let i = 0; i < n; i++) kinds.push(kind);
  while (kinds.length > groupSize - 1) kinds.pop();
  while (kinds.length < groupSize) kinds.push("scratch");
  return shuffled(kinds, rng);
}

/** What a planned kind becomes when reflection and/or lessons are unavailable for this group. */
export function availableKind(planned: FeedbackKind, hasReflection: boolean, hasLessons: boolean): FeedbackKind {
  const reflect = (planned === "reflection" || planned === "both") && hasReflection;
  const abstract = (planned === "abstraction" || planned === "both") && hasLessons;
  if (reflect && abstract) return "both";
  if (reflect) return "reflection";
  if (abstract) return "abstraction";
  return "scratch";
}
