/**
 * Small seeded PRNG (mulberry32) and a string hash, so every random choice of the trainer is a pure
 * function of (seed, what it is for). Choices then do not depend on the order concurrent calls
 * finish in, and a resumed run makes the same choices as the original.
 */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, 32 bits. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** An Rng for one purpose: `rngFor(seed, "plan", step, problemId)`. */
export function rngFor(seed: number, ...parts: Array<string | number>): Rng {
  return mulberry32(hashString(`${seed}\u0000${parts.join("\u0000")}`));
}

/** Fisher-Yates on a copy. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
