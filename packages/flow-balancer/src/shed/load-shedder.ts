/**
 * Refuses work fast when the queue it would join is too slow to be worth joining.
 *
 * The shedder keeps a moving average of service time (fed by `observe`). For work arriving behind
 * `queueLength` waiting requests served `concurrency` at a time, the expected wait is
 * `queueLength × serviceTime ÷ concurrency`. Below `targetDelayMs` nothing is shed; from there to
 * `maxDelayMs` the chance of shedding rises linearly from 0 to 1 (so the queue settles near the
 * target instead of oscillating); at or past `maxDelayMs` everything is shed. A shed request gets
 * a `LoadShedError` whose `retryAfterMs` is the expected wait: when the queue ahead should be gone.
 */
import { LoadShedError } from '../errors.ts';
import { checkFunction, checkNumber, optionalNumber } from '../internal/validate.ts';
import { defaultRandom, type RandomSource } from '../random.ts';

export interface LoadShedderOptions {
  /** Expected queue delay from which shedding starts; finite, > 0. */
  targetDelayMs: number;
  /** Expected queue delay from which everything is shed; > targetDelayMs. Default 4 × target. */
  maxDelayMs?: number;
  /** Weight of each new service-time sample in the moving average, in (0, 1]. Default 0.1. */
  smoothing?: number;
  /** Service time assumed before any is observed; ≥ 0. Default 0 (no shedding until observed). */
  initialServiceTimeMs?: number;
  random?: RandomSource;
}

const OWNER = 'LoadShedder';

export class LoadShedder {
  readonly targetDelayMs: number;
  readonly maxDelayMs: number;
  readonly #smoothing: number;
  readonly #random: RandomSource;
  #serviceTime: number;

  constructor(options: LoadShedderOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`${OWNER}: options must be an object with "targetDelayMs"`);
    }
    this.targetDelayMs = checkNumber(OWNER, 'targetDelayMs', options.targetDelayMs, {
      min: 0,
      minExclusive: true,
    });
    this.maxDelayMs = optionalNumber(OWNER, 'maxDelayMs', options.maxDelayMs, 4 * this.targetDelayMs, {
      min: this.targetDelayMs,
      minExclusive: true,
    });
    this.#smoothing = optionalNumber(OWNER, 'smoothing', options.smoothing, 0.1, {
      min: 0,
      minExclusive: true,
      max: 1,
    });
    this.#serviceTime = optionalNumber(OWNER, 'initialServiceTimeMs', options.initialServiceTimeMs, 0, {
      min: 0,
    });
    if (options.random !== undefined) checkFunction(OWNER, 'random', options.random);
    this.#random = options.random ?? defaultRandom;
  }

  /** The moving average of service time. */
  get serviceTimeMs(): number {
    return this.#serviceTime;
  }

  /** One request's service time (how long it held its slot). */
  observe(serviceTimeMs: number): void {
    checkNumber(`${OWNER}.observe`, 'serviceTimeMs', serviceTimeMs, { min: 0 });
    this.#serviceTime += (serviceTimeMs - this.#serviceTime) * this.#smoothing;
  }

  /** The expected wait behind `queueLength` requests served `concurrency` at a time. */
  estimateDelayMs(queueLength: number, concurrency = 1): number {
    checkNumber(`${OWNER}.estimateDelayMs`, 'queueLength', queueLength, { integer: true, min: 0 });
    checkNumber(`${OWNER}.estimateDelayMs`, 'concurrency', concurrency, { min: 0, minExclusive: true });
    return (queueLength * this.#serviceTime) / concurrency;
  }

  /** A `LoadShedError` when this arrival should be refused, otherwise undefined. */
  check(queueLength: number, concurrency = 1): LoadShedError | undefined {
    const delay = this.estimateDelayMs(queueLength, concurrency);
    if (delay <= this.targetDelayMs) return undefined;
    const p = (delay - this.targetDelayMs) / (this.maxDelayMs - this.targetDelayMs);
    if (p < 1 && this.#random() >= p) return undefined;
    return new LoadShedError(Math.max(1, Math.ceil(delay)), delay);
  }
}
