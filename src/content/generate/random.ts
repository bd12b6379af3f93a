/**
 * Seeded randomness for the content generator. Built on the core's mulberry32 so the
 * generator and the CAT simulation share one generator implementation.
 */
import { mulberry32, randomIndex, shuffled } from "../../core/random";

export interface Rng {
  /** Uniform on [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  pick<T>(values: readonly T[]): T;
  chance(p: number): boolean;
  shuffle<T>(values: readonly T[]): T[];
}

/**
 * FNV-1a over the joined parts. Each skill gets its own stream seeded from (seed, skill id),
 * so adding or editing one skill never changes the items of another.
 */
export function hashSeed(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  const text = parts.join("\u0000");
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  return {
    next,
    int: (min, max) => min + randomIndex(next, max - min + 1),
    pick<T>(values: readonly T[]): T {
      const v = values[randomIndex(next, values.length)];
      if (v === undefined) throw new Error("pick from an empty list");
      return v;
    },
    chance: (p) => next() < p,
    shuffle: <T>(values: readonly T[]) => shuffled(next, values),
  };
}

export const NAMES = [
  "Ava", "Ben", "Chen", "Dara", "Elif", "Femi", "Gus", "Hana", "Ines", "Jamal", "Kai", "Lena", "Mateo",
  "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tariq", "Uma", "Wen", "Yusuf", "Zoe",
] as const;

/** Two different names, for problems about a pair of people. */
export function twoNames(rng: Rng): [string, string] {
  const a = rng.pick(NAMES);
  let b = rng.pick(NAMES);
  while (b === a) b = rng.pick(NAMES);
  return [a, b];
}

/** n different names, in a random order. */
export function someNames(rng: Rng, n: number): string[] {
  return rng.shuffle(NAMES).slice(0, n);
}
