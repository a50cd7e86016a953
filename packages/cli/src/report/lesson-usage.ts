import type { Lesson, Rollout } from "@lanpo/core";

/** One row of the report's lesson table. */
export interface LessonUsage {
  id: string;
  /** The lesson's text; null when the memory folder could not be read or no longer holds it. */
  text: string | null;
  /** Rollouts of the run whose context held the lesson. */
  uses: number;
  /** Mean advantage of those rollouts (the ones with an advantage); null when none had one. */
  meanAdvantage: number | null;
  /** Mean reward of those rollouts; null when none was scored. */
  meanReward: number | null;
}

/**
 * The most used lessons of a run, counted from the pool's rollouts (every segment of a resumed run),
 * with their text from the memory. Ties keep the higher mean advantage first.
 */
export function lessonUsage(
  rollouts: readonly Rollout[],
  lessons: ReadonlyMap<string, Pick<Lesson, "text">>,
  top = 10,
): LessonUsage[] {
  const byId = new Map<string, { uses: number; advantages: number[]; rewards: number[] }>();
  for (const rollout of rollouts) {
    for (const id of new Set(rollout.lessonIds)) {
      const entry = byId.get(id) ?? { uses: 0, advantages: [], rewards: [] };
      entry.uses++;
      if (rollout.advantage !== null) entry.advantages.push(rollout.advantage);
      if (rollout.status !== "failed" && rollout.reward !== null) entry.rewards.push(rollout.reward);
      byId.set(id, entry);
    }
  }
  const avg = (v: number[]) => (v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length);
  return [...byId]
    .map(([id, e]) => ({
      id,
      text: lessons.get(id)?.text ?? null,
      uses: e.uses,
      meanAdvantage: avg(e.advantages),
      meanReward: avg(e.rewards),
    }))
    .sort((a, b) => b.uses - a.uses || (b.meanAdvantage ?? -Infinity) - (a.meanAdvantage ?? -Infinity))
    .slice(0, top);
}
