/**
 * Seeded randomness for the core, which never calls Math.random: callers pass a generator,
 * so a run is replayable from its seed (e.g. exposure-control draws in adaptive tests).
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;
/** The same, under the name the adaptive-testing modules use. */
export type Rng = Random;

/**
 * mulberry32 (Tommy Ettinger): 32 bits of state, passes BigCrush's practical subset, about
 * a nanosecond a draw. Not cryptographic; enough for sampling and shuffles.
 */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a hash of a string, to derive a seed from an id (e.g. learner id + session). */
export function seedFromString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Standard normal draw by Box–Muller (one of the pair; the other is discarded for simplicity). */
export function normalDraw(rng: Random, mean = 0, sd = 1): number {
  const u1 = 1 - rng(); // (0, 1], so the log is finite
  const u2 = rng();
  return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Uniform integer in [0, n). */
export function randomIndex(rng: Random, n: number): number {
  return Math.min(n - 1, Math.floor(rng() * n));
}

/** A shuffled copy (Fisher–Yates). */
export function shuffled<T>(rng: Random, values: readonly T[]): T[] {
  const out = values.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomIndex(rng, i + 1);
    const a = out[i];
    const b = out[j];
    if (a === undefined || b === undefined) continue;
    out[i] = b;
    out[j] = a;
  }
  return out;
}
