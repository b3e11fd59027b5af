import { Cancellation, FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import { BackendGate } from './backend-gate.ts';
import {
  BackendRemovedError,
  isAcquireAbortedError,
  isAcquireTimeoutError,
  isBackendOverloadedError,
  isBackendRemovedError,
} from './errors.ts';

describe('BackendGate', () => {
  it('holds `limit` places, queues `capacity` in order, refuses the next at once with BackendOverloadedError', async () => {
    const gate = new BackendGate('b', 1, 1, new FakeClock());
    expect(gate.tryEnter()).toBe(true);
    expect(gate.tryEnter()).toBe(false);
    const order: string[] = [];
    const second = gate.enter(undefined, undefined).then(() => order.push('second'));
    expect(gate.queued).toBe(1);
    const third = await gate.enter(undefined, undefined).catch((e: unknown) => e);
    expect(isBackendOverloadedError(third)).toBe(true);
    expect(third).toMatchObject({ backend: 'b', limit: 1, queue: 1, retryAfterMs: 1000 });
    expect((third as Error).message).toBe(
      'all 1 places of "b" are taken and its queue of 1 is full (limits.queue)',
    );
    // Nobody jumps the line while someone waits.
    expect(gate.tryEnter()).toBe(false);
    gate.leave();
    await second;
    expect(order).toEqual(['second']);
    expect([gate.inFlight, gate.queued]).toEqual([1, 0]);
    gate.leave();
    expect(gate.inFlight).toBe(0);
  });

  it('with no queue: refused at once, naming that it queues none', async () => {
    const gate = new BackendGate('b', 2, 0, new FakeClock());
    expect(gate.tryEnter()).toBe(true);
    expect(gate.tryEnter()).toBe(true);
    const refused = await gate.enter(undefined, undefined).catch((e: unknown) => e);
    expect((refused as Error).message).toContain('it queues none');
  });

  it('a waiter leaves the line at its deadline (AcquireTimeoutError) or its signal (AcquireAbortedError)', async () => {
    const clock = new FakeClock();
    const gate = new BackendGate('b', 1, 4, clock);
    gate.tryEnter();
    const timed = gate.enter(undefined, 100).catch((e: unknown) => e);
    const cancel = new Cancellation();
    const aborted = gate.enter(cancel.signal, undefined).catch((e: unknown) => e);
    expect(gate.queued).toBe(2);
    cancel.abort('gone');
    expect(isAcquireAbortedError(await aborted)).toBe(true);
    clock.advance(100);
    const e = await timed;
    expect(isAcquireTimeoutError(e)).toBe(true);
    expect((e as { waitedMs: number }).waitedMs).toBe(100);
    expect(gate.queued).toBe(0);
    // The place held is still held; given back, it is free.
    gate.leave();
    expect(gate.inFlight).toBe(0);
  });

  it('close refuses every waiter with the error given', async () => {
    const gate = new BackendGate('b', 1, 4, new FakeClock());
    gate.tryEnter();
    const waiting = gate.enter(undefined, undefined).catch((e: unknown) => e);
    gate.close(() => new BackendRemovedError('b', []));
    expect(isBackendRemovedError(await waiting)).toBe(true);
  });
});
