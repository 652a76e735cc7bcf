/**
 * A seeded PRNG (mulberry32) and the draws the simulator makes from it, so one seed always builds the same
 * rack: the same serial numbers, MACs, UUIDs and disk sizes on every run.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** `length` upper-case hexadecimal digits. */
  hex(length: number): string;
  /** `length` characters from `alphabet` (serial numbers). */
  chars(length: number, alphabet?: string): string;
}

export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const chars = (length: number, alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789'): string => {
    let s = '';
    for (let i = 0; i < length; i++) s += alphabet[int(0, alphabet.length - 1)] ?? '';
    return s;
  };
  return {
    next,
    int,
    pick<T>(items: readonly T[]): T {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    hex: (length) => chars(length, '0123456789ABCDEF'),
    chars,
  };
}

/** A seed for machine `index` of a rack seeded with `seed`: machines differ, and each is stable on its own. */
export function machineSeed(seed: number, index: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
}
