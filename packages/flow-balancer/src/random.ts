/** Randomness, injected: a function returning a number in [0, 1). */
export type RandomSource = () => number;

/** `Math.random`. */
export const defaultRandom: RandomSource = Math.random;

/**
 * A small, fast, seeded PRNG (mulberry32) for deterministic tests and simulations. Not for
 * anything security-related.
 */
export function mulberry32(seed: number): RandomSource {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new TypeError(`mulberry32: "seed" must be a finite number; found ${String(seed)}`);
  }
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
