import { describe, expect, it } from 'vitest';
import { keepReady, poolKnobs, residentWhenHot } from './tier-rules.ts';

const base = { min: 2, spares: 3, idleTtlMs: 1000, now: 5000, lastDemandAt: 4500 };

describe('tier rules', () => {
  it('hot keeps replicas.min (shared) or the spares (per-session), always', () => {
    expect(keepReady('hot', { ...base, isolation: 'shared' })).toBe(2);
    expect(
      keepReady('hot', { ...base, isolation: 'per-session', lastDemandAt: Number.NEGATIVE_INFINITY }),
    ).toBe(3);
    expect(keepReady('hot', { ...base, isolation: 'shared', min: 0 })).toBe(1); // an auto backend promoted
  });

  it('warm keeps per-session spares only while used within the TTL, and no shared worker', () => {
    expect(keepReady('warm', { ...base, isolation: 'shared' })).toBe(0);
    expect(keepReady('warm', { ...base, isolation: 'per-session' })).toBe(3);
    expect(keepReady('warm', { ...base, isolation: 'per-session', now: 5500 })).toBe(0);
  });

  it('cold keeps nothing and lets an idle worker go at once; others after the TTL', () => {
    expect(keepReady('cold', { ...base, isolation: 'per-session' })).toBe(0);
    expect(poolKnobs('cold', { ...base, isolation: 'shared' })).toEqual({
      min: 0,
      idleTimeoutMs: 0,
      minHeldByDemand: false,
    });
    expect(poolKnobs('warm', { ...base, isolation: 'shared' }).idleTimeoutMs).toBe(1000);
    expect(poolKnobs('hot', { ...base, isolation: 'shared' }).idleTimeoutMs).toBe(1000);
    expect(residentWhenHot('per-session', 0, 2)).toBe(2);
  });

  it('the pool keeps what the tier keeps: hot its residents, warm its spares while in demand', () => {
    expect(poolKnobs('hot', { ...base, isolation: 'shared' })).toMatchObject({
      min: 2,
      minHeldByDemand: false,
    });
    expect(poolKnobs('hot', { ...base, isolation: 'per-session' })).toMatchObject({ min: 3 });
    expect(poolKnobs('warm', { ...base, isolation: 'shared' })).toMatchObject({
      min: 0,
      minHeldByDemand: false,
    });
    expect(poolKnobs('warm', { ...base, isolation: 'per-principal' })).toEqual({
      min: 3,
      idleTimeoutMs: 1000,
      minHeldByDemand: true,
    });
  });
});
