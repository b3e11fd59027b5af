import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import { type AutoCandidate, AutoTierPolicy } from './auto-policy.ts';
import { Demand } from './demand.ts';
import type { Tier } from './spec.ts';

const options = { hotThresholdMsPerSec: 50, warmProbability: 0.5, hysteresis: 0.25, minDwellMs: 5000 };
const unlimited = { workers: Number.POSITIVE_INFINITY, memoryMb: Number.POSITIVE_INFINITY };

/** A backend whose demand is driven on the fake clock. */
class Backend {
  readonly demand: Demand;
  constructor(
    readonly name: string,
    readonly clock: FakeClock,
    public tier: Tier = 'cold',
    public since = 0,
    readonly memoryMb = 64,
    startCostMs = 500,
  ) {
    this.demand = new Demand(10_000, 500);
    this.demand.observeStart(startCostMs);
  }
  /** `n` uses, `gapMs` apart. */
  use(n: number, gapMs: number): void {
    for (let i = 0; i < n; i++) {
      this.demand.arrival(this.clock.now());
      this.clock.advance(gapMs);
    }
  }
  candidate(ttlMs = 60_000, residentWorkers = 1): AutoCandidate {
    return {
      backend: this.name,
      tier: this.tier,
      since: this.since,
      figures: this.demand.figures(this.clock.now(), ttlMs, this.memoryMb),
      residentWorkers,
    };
  }
}

describe('AutoTierPolicy', () => {
  it('promotes a backend whose callers would wait the most to hot, with the figures as its reason', () => {
    const clock = new FakeClock();
    const policy = new AutoTierPolicy(options);
    const b = new Backend('busy', clock);
    b.use(10, 500); // 2/s for 5 s → rate ≈ 0.79/s; × 500 ms ≈ 390 ms/s of waiting
    clock.advance(5000);
    const [d] = policy.decide([b.candidate()], unlimited, clock.now());
    expect(d).toMatchObject({ backend: 'busy', from: 'cold', to: 'hot', direction: 'promotion' });
    expect(d!.figures.valueMsPerSec).toBeGreaterThan(50);
    expect(d!.reason).toMatch(
      /^saves [\d.]+ ms\/s of waiting \([\d.]+\/s × 500\.0 ms start\) ≥ 50\.0 ms\/s$/,
    );
  });

  it('keeps warm a backend likely to be used within its idle TTL, cold one that is not', () => {
    const clock = new FakeClock();
    const policy = new AutoTierPolicy({ ...options, minDwellMs: 0 });
    const rare = new Backend('rare', clock);
    // One use: 0.1/s. With a 500 ms start that would save 50 ms/s (hot); a 1 ms start makes it cheap.
    const cheap = new Backend('cheap', clock, 'cold', 0, 64, 1);
    cheap.use(1, 0);
    rare.tier = 'warm';
    const decisions = policy.decide(
      [cheap.candidate(20_000), { ...rare.candidate(20_000) }],
      unlimited,
      clock.now(),
    );
    expect(decisions).toEqual([
      expect.objectContaining({ backend: 'cheap', from: 'cold', to: 'warm', direction: 'promotion' }),
      expect.objectContaining({ backend: 'rare', from: 'warm', to: 'cold', direction: 'demotion' }),
    ]);
    expect(decisions[0]!.reason).toContain('a use within the idle TTL is 86% likely ≥ 50%');
    expect(decisions[1]!.reason).toContain('0% likely < 38%');
    expect(decisions[0]!.figures.valueMsPerSec).toBeCloseTo(0.1, 6);
  });

  it('demotes as demand decays, with hysteresis: not at the first dip below the threshold', () => {
    const clock = new FakeClock();
    const policy = new AutoTierPolicy({ ...options, minDwellMs: 0 });
    const b = new Backend('b', clock, 'hot');
    b.use(2, 0); // 2 uses: 0.2/s × 500 = 100 ms/s
    // 100 × e^(−t/10 s) < 50 after ~6.9 s, < 37.5 (the threshold less 25 %) after ~9.8 s.
    clock.advance(8000);
    expect(b.candidate().figures.valueMsPerSec).toBeLessThan(50);
    expect(policy.decide([b.candidate(1000)], unlimited, clock.now())).toEqual([]);
    clock.advance(2000);
    const [d] = policy.decide([b.candidate(1000)], unlimited, clock.now());
    expect(d).toMatchObject({ from: 'hot', to: 'cold', direction: 'demotion' });
    expect(d!.reason).toMatch(
      /saves [\d.]+ ms\/s < 37\.5 ms\/s; a use within the idle TTL is \d+% likely < 50%/,
    );
  });

  it('changes a tier no sooner than minDwellMs after the last change', () => {
    const clock = new FakeClock(10_000);
    const policy = new AutoTierPolicy(options);
    const b = new Backend('b', clock, 'cold', 8_000);
    b.use(10, 100);
    expect(policy.decide([b.candidate()], unlimited, clock.now())).toEqual([]);
    clock.advance(3000);
    expect(policy.decide([b.candidate()], unlimited, clock.now())).toMatchObject([{ to: 'hot' }]);
  });

  it('admits to hot by value within the room of the budget; the outranked get the reason why', () => {
    const clock = new FakeClock();
    const policy = new AutoTierPolicy({ ...options, minDwellMs: 0 });
    const top = new Backend('top', clock);
    const second = new Backend('second', clock);
    const third = new Backend('third', clock, 'hot', 0, 64, 100);
    top.use(20, 0);
    second.use(10, 0);
    third.use(10, 0);
    const decisions = policy.decide(
      [third.candidate(), second.candidate(), top.candidate()],
      { workers: 2, memoryMb: 1000 },
      clock.now(),
    );
    expect(decisions.map((d) => [d.backend, d.to])).toEqual([
      ['third', 'warm'],
      ['second', 'hot'],
      ['top', 'hot'],
    ]);
    expect(decisions[0]!.reason).toMatch(/^budget: saves 100\.0 ms\/s .* do not fit in the 0 worker\(s\)/);
    expect(decisions[0]!.reason).toContain('a use within the idle TTL is 100% likely');
  });

  it('makes room by memory too, and a forced demotion ignores the dwell time', () => {
    const clock = new FakeClock();
    const policy = new AutoTierPolicy(options);
    const big = new Backend('big', clock, 'hot', clock.now(), 800);
    big.use(10, 0);
    const [d] = policy.decide([big.candidate()], { workers: 10, memoryMb: 512 }, clock.now());
    expect(d).toMatchObject({ backend: 'big', from: 'hot', to: 'warm' });
    expect(d!.reason).toContain('800.0 MB do not fit');
  });

  it('leaves a backend with no demand where it is when that is cold', () => {
    const clock = new FakeClock();
    const policy = new AutoTierPolicy(options);
    const idle = new Backend('idle', clock);
    clock.advance(100_000);
    expect(policy.decide([idle.candidate()], unlimited, clock.now())).toEqual([]);
  });
});
