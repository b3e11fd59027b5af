/**
 * flow-balancer: the cost of one admission or choice decision.
 *
 * - Pickers: ns per pick (decisions/s = 1e9 ÷ ns) for round robin, least outstanding, P2C on
 *   peak-EWMA cost, rendezvous hashing and rendezvous with bounded load, over 2, 16 and 256
 *   candidates. Round robin and P2C are O(1); least outstanding and rendezvous scan every candidate.
 * - Concurrency limiters: one `tryAcquire` + `release` pair of `FixedLimiter`, `AimdLimiter`,
 *   `GradientLimiter`.
 * - Bulkhead vs p-limit 7 and p-queue 10 at the same fixed limit: one task through an idle
 *   limiter (`bulkhead.run(fn)` vs `limit(fn)` vs `queue.add(fn)`), and a burst of 1000 tasks
 *   through a limit of 16 (per task). Ratios are theirs ÷ ours in time: > 1 means we are faster.
 * - Rate limits: a `TokenBucket` take, a `KeyedRateLimiter` take over 1000 live keys, and one
 *   over 100 000 keys with `maxKeys` 1000 (every take evicts).
 * - Queue: a `DeadlineQueue` push (with a deadline) + shift pair.
 *
 * Every figure is a mean of mitata samples (`measure`); spread is p99 − p50 of those samples, in ns.
 * The contenders of a ratio are measured in three alternating rounds, each keeping its best.
 */
import {
  AimdLimiter,
  Bulkhead,
  type Candidate,
  type ConcurrencyLimiter,
  DeadlineQueue,
  FixedLimiter,
  GradientLimiter,
  KeyedRateLimiter,
  LeastOutstandingPicker,
  mulberry32,
  P2CPicker,
  type Picker,
  RendezvousPicker,
  RoundRobinPicker,
  systemClock,
  TokenBucket,
} from '@switchyard/flow-balancer';
import { do_not_optimize, measure } from 'mitata';
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';

/** The mitata `measure` options this suite sets. */
interface Options {
  min_samples?: number;
  max_samples?: number;
  min_cpu_time?: number;
  warmup_samples?: number;
  batch_samples?: number;
}

function options(ctx: SuiteContext): Options {
  if (ctx.dry)
    return { min_samples: 2, max_samples: 2, min_cpu_time: 0, warmup_samples: 0, batch_samples: 8 };
  if (ctx.quick) return { min_cpu_time: 150e6 };
  return {};
}

interface Measured {
  ns: number;
  spread: number;
}

async function time(ctx: SuiteContext, fn: () => unknown, perCall = 1): Promise<Measured> {
  const stats = await measure(fn, options(ctx));
  return { ns: stats.avg / perCall, spread: (stats.p99 - stats.p50) / perCall };
}

/**
 * Measures contenders in alternating rounds and keeps each one's best round, so neither the order
 * of measurement nor a burst of load from elsewhere on the machine decides a ratio.
 */
async function contest(ctx: SuiteContext, fns: (() => unknown)[], perCall = 1): Promise<Measured[]> {
  const rounds = ctx.dry ? 1 : 3;
  const best: Measured[] = fns.map(() => ({ ns: Number.POSITIVE_INFINITY, spread: 0 }));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < fns.length; i++) {
      const m = await time(ctx, fns[i]!, perCall);
      if (m.ns < best[i]!.ns) best[i] = m;
    }
  }
  return best;
}

function figure(name: string, m: Measured, extra: Partial<Figure> = {}): Figure {
  return { name, value: m.ns, unit: 'ns/op', spread: m.spread, ...extra };
}

function candidates(n: number): Candidate[] {
  const random = mulberry32(n);
  return Array.from({ length: n }, (_, i) => ({
    id: `worker-${i}`,
    outstanding: Math.floor(random() * 8),
    latencyMs: 5 + random() * 20,
  }));
}

const OK = { latencyMs: 1, outcome: 'success' } as const;
const noop = (): undefined => undefined;

export default {
  name: 'flow-balancer',
  description:
    'pickers, concurrency limiters, Bulkhead vs p-limit / p-queue, rate limiters (ns per decision)',
  async run(ctx) {
    const figures: Figure[] = [];
    const report = (f: Figure) => {
      figures.push(f);
      const ratio = f.ratio === undefined ? '' : `  (${f.ratio.toFixed(2)}× vs ${f.baseline})`;
      ctx.log(`${f.name.padEnd(44)} ${f.value.toFixed(1).padStart(10)} ns/op${ratio}`);
    };

    // --- pickers
    const keys = Array.from({ length: 1024 }, (_, i) => `session-${i}`);
    const pickers: [string, () => Picker][] = [
      ['round-robin', () => new RoundRobinPicker()],
      ['least-outstanding', () => new LeastOutstandingPicker()],
      ['p2c', () => new P2CPicker()],
      ['rendezvous', () => new RendezvousPicker()],
      ['rendezvous bounded 1.25', () => new RendezvousPicker({ boundedLoad: 1.25 })],
    ];
    for (const n of [2, 16, 256]) {
      const cs = candidates(n);
      for (const [name, make] of pickers) {
        const picker = make();
        let k = 0;
        const m = await time(ctx, () => do_not_optimize(picker.pick(cs, keys[k++ & 1023])));
        report(figure(`pick ${name} n=${n}`, m));
        ctx.log(`  → ${Math.round(1e9 / m.ns).toLocaleString('en-US')} decisions/s`);
      }
    }

    // --- concurrency limiters: one acquire + release
    const limiters: [string, ConcurrencyLimiter][] = [
      ['FixedLimiter', new FixedLimiter({ limit: 16 })],
      ['AimdLimiter', new AimdLimiter({ initialLimit: 16 })],
      ['GradientLimiter', new GradientLimiter({ initialLimit: 16, random: mulberry32(1) })],
    ];
    for (const [name, limiter] of limiters) {
      const m = await time(ctx, () => limiter.tryAcquire()!.release(OK));
      report(figure(`permit ${name} acquire+release`, m));
    }

    // --- Bulkhead vs p-limit / p-queue, same fixed limit 16
    const LIMIT = 16;
    const BURST = ctx.dry ? 50 : 1000;
    const bulkhead = new Bulkhead({
      limiter: new FixedLimiter({ limit: LIMIT }),
      queueCapacity: Number.POSITIVE_INFINITY,
    });
    const limit = pLimit(LIMIT);
    const queue = new PQueue({ concurrency: LIMIT });

    const pair = await time(ctx, async () => (await bulkhead.acquire()).release(OK));
    report(figure('Bulkhead acquire+release (await)', pair));
    // A routed call's admission when there is room: tryAcquire (no promise) vs await acquire (before).
    const [tried, awaited] = (await contest(ctx, [
      () => {
        const now = bulkhead.tryAcquire();
        if (now) now.release(OK);
        else return bulkhead.acquire().then((p) => p.release(OK));
      },
      async () => (await bulkhead.acquire()).release(OK),
    ])) as [Measured, Measured];
    report(
      figure('Bulkhead admit with room: tryAcquire', tried, {
        baseline: 'await acquire (before)',
        ratio: awaited.ns / tried.ns,
      }),
    );
    report(figure('Bulkhead admit with room: await acquire (before)', awaited));

    const [oursOne, pLimitOne, pQueueOne] = (await contest(ctx, [
      () => bulkhead.run(noop),
      () => limit(noop),
      () => queue.add(noop),
    ])) as [Measured, Measured, Measured];
    report(
      figure('Bulkhead.run 1 task, idle', oursOne, {
        baseline: 'p-limit 7.3.3',
        ratio: pLimitOne.ns / oursOne.ns,
      }),
    );
    report(
      figure('Bulkhead.run 1 task, idle', oursOne, {
        baseline: 'p-queue 10.0.0',
        ratio: pQueueOne.ns / oursOne.ns,
      }),
    );
    report(figure('p-limit 1 task, idle', pLimitOne));
    report(figure('p-queue 1 task, idle', pQueueOne));

    const burst =
      <T>(start: () => Promise<T>) =>
      () => {
        const all: Promise<T>[] = new Array(BURST);
        for (let i = 0; i < BURST; i++) all[i] = start();
        return Promise.all(all);
      };
    const [oursBurst, pLimitBurst, pQueueBurst] = (await contest(
      ctx,
      [burst(() => bulkhead.run(noop)), burst(() => limit(noop)), burst(() => queue.add(noop))],
      BURST,
    )) as [Measured, Measured, Measured];
    const burstName = `Bulkhead.run ${BURST} tasks, limit ${LIMIT} (per task)`;
    report(figure(burstName, oursBurst, { baseline: 'p-limit 7.3.3', ratio: pLimitBurst.ns / oursBurst.ns }));
    report(
      figure(burstName, oursBurst, { baseline: 'p-queue 10.0.0', ratio: pQueueBurst.ns / oursBurst.ns }),
    );
    report(figure(`p-limit ${BURST} tasks, limit ${LIMIT} (per task)`, pLimitBurst));
    report(figure(`p-queue ${BURST} tasks, limit ${LIMIT} (per task)`, pQueueBurst));

    // --- rate limits
    const bucket = new TokenBucket({ ratePerSecond: 1e12, burst: 1e6 });
    report(figure('TokenBucket tryTake', await time(ctx, () => do_not_optimize(bucket.tryTake()))));
    const keyed = new KeyedRateLimiter<number>({ ratePerSecond: 1e9, burst: 1e3 });
    let key = 0;
    report(
      figure(
        'KeyedRateLimiter tryTake, 1000 keys',
        await time(ctx, () => do_not_optimize(keyed.tryTake(key++ % 1000))),
      ),
    );
    const evicting = new KeyedRateLimiter<number>({ ratePerSecond: 1, burst: 1, maxKeys: 1000 });
    let fresh = 0;
    report(
      figure(
        'KeyedRateLimiter tryTake, evicting (maxKeys 1000)',
        await time(ctx, () => do_not_optimize(evicting.tryTake(fresh++ % 100_000))),
      ),
    );

    // --- queue
    const dq = new DeadlineQueue<number>({ capacity: 1024 });
    const far = systemClock.now() + 3_600_000;
    report(
      figure(
        'DeadlineQueue push(deadline)+shift',
        await time(ctx, () => {
          dq.push(1, { deadline: far });
          return dq.shift();
        }),
      ),
    );

    return figures;
  },
} satisfies BenchSuite;
