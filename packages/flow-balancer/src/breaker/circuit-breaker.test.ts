import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.ts';
import { isCircuitOpenError } from '../errors.ts';
import { type BreakerState, CircuitBreaker } from './circuit-breaker.ts';
import { ConsecutiveFailures } from './consecutive-failures.ts';

const ok = { latencyMs: 1, outcome: 'success' } as const;
const fail = { latencyMs: 1, outcome: 'failure' } as const;
const dropped = { latencyMs: 1, outcome: 'dropped' } as const;

function setup(options: { halfOpenProbes?: number; maxOpenMs?: number } = {}) {
  const clock = new FakeClock();
  const changes: BreakerState[] = [];
  const breaker = new CircuitBreaker({
    strategy: new ConsecutiveFailures(2),
    openMs: 1000,
    clock,
    onStateChange: (s) => changes.push(s),
    ...options,
  });
  const failTimes = (n: number) => {
    for (let i = 0; i < n; i++) breaker.tryAcquire()!.release(fail);
  };
  return { clock, breaker, changes, failTimes };
}

describe('CircuitBreaker', () => {
  it('closed → open after the strategy trips → half-open when the time is up → closed after a good probe', () => {
    const { clock, breaker, changes, failTimes } = setup();
    expect(breaker.state).toEqual({ kind: 'closed' });
    failTimes(2);
    expect(breaker.state).toEqual({ kind: 'open', until: 1000, ejections: 1 });
    expect(breaker.tryAcquire()).toBeUndefined();
    clock.advance(999);
    expect(breaker.state.kind).toBe('open');
    clock.advance(1);
    expect(breaker.state).toEqual({ kind: 'half-open' });
    const probe = breaker.tryAcquire()!;
    expect(breaker.tryAcquire()).toBeUndefined(); // one probe at a time
    probe.release(ok);
    expect(breaker.state).toEqual({ kind: 'closed' });
    expect(changes.map((s) => s.kind)).toEqual(['open', 'half-open', 'closed']);
  });

  it('a failed probe opens it again for longer (openMs × ejections), capped at maxOpenMs', () => {
    const { clock, breaker, failTimes } = setup({ maxOpenMs: 2500 });
    failTimes(2);
    clock.advance(1000);
    breaker.tryAcquire()!.release(fail);
    expect(breaker.state).toEqual({ kind: 'open', until: 3000, ejections: 2 });
    clock.advance(2000);
    breaker.tryAcquire()!.release(fail);
    expect(breaker.state).toEqual({ kind: 'open', until: 5500, ejections: 3 }); // 3000 capped to 2500
    clock.advance(2500);
    breaker.tryAcquire()!.release(ok);
    expect(breaker.state.kind).toBe('closed');
    failTimes(2);
    expect(breaker.state).toEqual({ kind: 'open', until: 6500, ejections: 1 }); // count restarted
  });

  it('needs halfOpenProbes successes to close, and lets that many probes through at once', () => {
    const { clock, breaker, failTimes } = setup({ halfOpenProbes: 2 });
    failTimes(2);
    clock.advance(1000);
    const a = breaker.tryAcquire()!;
    const b = breaker.tryAcquire()!;
    expect(breaker.tryAcquire()).toBeUndefined();
    a.release(ok);
    expect(breaker.state.kind).toBe('half-open');
    expect(breaker.tryAcquire()).toBeUndefined(); // 1 success + 1 in flight = 2
    b.release(ok);
    expect(breaker.state.kind).toBe('closed');
  });

  it('a dropped probe frees its slot without counting', () => {
    const { clock, breaker, failTimes } = setup();
    failTimes(2);
    clock.advance(1000);
    breaker.tryAcquire()!.release(dropped);
    expect(breaker.state.kind).toBe('half-open');
    breaker.tryAcquire()!.release(ok);
    expect(breaker.state.kind).toBe('closed');
  });

  it('does not count permits granted before a state change', () => {
    const { clock, breaker, failTimes } = setup();
    const stale = [breaker.tryAcquire()!, breaker.tryAcquire()!];
    failTimes(2);
    clock.advance(1000);
    const probe = breaker.tryAcquire()!;
    for (const p of stale) p.release(fail); // from the closed era: ignored
    expect(breaker.state.kind).toBe('half-open');
    probe.release(ok);
    expect(breaker.state.kind).toBe('closed');
  });

  it('acquire throws CircuitOpenError with the time left', () => {
    const { clock, breaker, failTimes } = setup();
    failTimes(2);
    clock.advance(400);
    let error: unknown;
    try {
      breaker.acquire();
    } catch (e) {
      error = e;
    }
    expect(isCircuitOpenError(error)).toBe(true);
    expect((error as { retryAfterMs: number }).retryAfterMs).toBe(600);
    clock.advance(600);
    expect(() => breaker.acquire()).not.toThrow();
    expect(() => breaker.acquire()).toThrow(/circuit open; retry after 1000 ms/); // probe slot taken
  });

  it('record counts an outcome without a permit while closed, and is ignored otherwise', () => {
    const { clock, breaker } = setup();
    breaker.record(fail);
    breaker.record(ok); // consecutive count reset
    breaker.record(fail);
    expect(breaker.state.kind).toBe('closed');
    breaker.record(fail);
    expect(breaker.state.kind).toBe('open');
    breaker.record(ok); // open: not counted
    expect(breaker.state.kind).toBe('open');
    clock.advance(1000);
    breaker.record(ok); // half-open: only a probe decides
    expect(breaker.state.kind).toBe('half-open');
    breaker.tryAcquire()!.release(ok);
    expect(breaker.state.kind).toBe('closed');
    expect(() => breaker.record({ latencyMs: -1, outcome: 'failure' })).toThrow(/"latencyMs"/);
  });

  it('trip and reset force the state', () => {
    const { breaker } = setup();
    breaker.trip();
    expect(breaker.state.kind).toBe('open');
    breaker.reset();
    expect(breaker.state).toEqual({ kind: 'closed' });
  });

  it('rejects bad options and release results', () => {
    const strategy = new ConsecutiveFailures(1);
    expect(() => new CircuitBreaker({ strategy: {} as never })).toThrow(
      /"strategy.success" must be a function/,
    );
    expect(() => new CircuitBreaker(undefined as never)).toThrow(TypeError);
    expect(() => new CircuitBreaker({ strategy, openMs: 0 })).toThrow(/"openMs"/);
    expect(() => new CircuitBreaker({ strategy, openMs: 100, maxOpenMs: 50 })).toThrow(
      /"maxOpenMs" must be a finite number ≥ 100/,
    );
    expect(() => new CircuitBreaker({ strategy, halfOpenProbes: 0 })).toThrow(/"halfOpenProbes"/);
    const breaker = new CircuitBreaker({ strategy, clock: new FakeClock() });
    expect(() => breaker.tryAcquire()!.release({ latencyMs: -1, outcome: 'failure' })).toThrow(/"latencyMs"/);
    expect(breaker.state.kind).toBe('closed');
  });
});
