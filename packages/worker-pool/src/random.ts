/** The restart jitter's source of randomness: flow-balancer's `RandomSource` (a `() => number`). */
import { defaultRandom, type RandomSource } from '@switchyard/flow-balancer';

export function randomFrom(source: RandomSource | undefined): RandomSource {
  return source ?? defaultRandom;
}
