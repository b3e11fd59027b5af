/**
 * A backend's admission, the one gate a call passes at the backend level (`acquire` with `admit`),
 * over the real fixture server: its places (`concurrency` × `replicas.max`) held by calls' leases,
 * its queue, the refusal beyond it, a retried call keeping its place, and acquires that are not
 * calls passing by.
 */
import { Cancellation } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import {
  isAcquireAbortedError,
  isAcquireTimeoutError,
  isBackendOverloadedError,
  isBackendRemovedError,
  type Lease,
} from '../src/index.ts';
import { fixture, managerMaker, rejectionOf } from './helpers.ts';

const make = managerMaker();

describe('backend admission', () => {
  it('one place, a queue of one: the second call waits and gets the place at the first release, the third is refused at once', async () => {
    const m = make({ backends: { a: fixture([], { tier: 'hot', concurrency: 1, queue: 1 }) } });
    await m.manager.start();
    expect(m.manager.admission('a')).toMatchObject({ limit: 1, inFlight: 0, queued: 0 });
    const first = await m.manager.acquire('a', { admit: true });
    let second: Lease | undefined;
    const waiting = m.manager.acquire('a', { admit: true }).then((l) => {
      second = l;
      return l;
    });
    expect(m.manager.admission('a')).toMatchObject({ inFlight: 1, queued: 1 });
    const third = await rejectionOf(m.manager.acquire('a', { admit: true }));
    expect(isBackendOverloadedError(third)).toBe(true);
    expect(third).toMatchObject({ backend: 'a', limit: 1, queue: 1 });
    // An acquire that is not a call (a handshake, a list fetch) passes by.
    const lists = await m.manager.acquire('a');
    lists.release();
    expect(second).toBeUndefined();
    first.release();
    await waiting;
    expect(m.manager.admission('a')).toMatchObject({ inFlight: 1, queued: 0 });
    second!.release();
    second!.release(); // idempotent: the place is given back once
    expect(m.manager.admission('a')).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('the limit is concurrency × replicas.max; a call waiting past its deadline leaves the queue', async () => {
    const m = make({
      backends: { a: fixture([], { tier: 'hot', concurrency: 2, replicas: { min: 1, max: 2 }, queue: 4 }) },
    });
    await m.manager.start();
    expect(m.manager.admission('a')?.limit).toBe(4);
    const held = await Promise.all([1, 2, 3, 4].map(() => m.manager.acquire('a', { admit: true })));
    const late = await rejectionOf(m.manager.acquire('a', { admit: true, timeoutMs: 50 }));
    expect(isAcquireTimeoutError(late)).toBe(true);
    expect(m.manager.admission('a')).toMatchObject({ inFlight: 4, queued: 0 });
    for (const l of held) l.release();
    expect(m.manager.admission('a')?.inFlight).toBe(0);
  });

  it('a call that ends while it waits (its callSignal) leaves the line at once and takes no place', async () => {
    const m = make({ backends: { a: fixture([], { tier: 'hot', concurrency: 1, queue: 1 }) } });
    await m.manager.start();
    const first = await m.manager.acquire('a', { admit: true });
    const ended = new Cancellation();
    const waiting = rejectionOf(m.manager.acquire('a', { admit: true, callSignal: ended.signal }));
    expect(m.manager.admission('a')?.queued).toBe(1);
    ended.abort();
    expect(isAcquireAbortedError(await waiting)).toBe(true);
    expect(m.manager.admission('a')).toMatchObject({ inFlight: 1, queued: 0 });
    first.release();
    expect(m.manager.admission('a')?.inFlight).toBe(0);
  });

  it('a call that ends while its worker is starting (its callSignal) gives up at once and gives its place back', async () => {
    const m = make({
      backends: { a: fixture(['--ready-delay-ms', '60000'], { tier: 'cold', concurrency: 1, queue: 1 }) },
    });
    await m.manager.start();
    const ended = new Cancellation();
    const starting = m.next('worker-starting');
    const waiting = rejectionOf(
      m.manager.acquire('a', { admit: true, callSignal: ended.signal, timeoutMs: 120_000 }),
    );
    await starting;
    expect(m.manager.admission('a')?.inFlight).toBe(1);
    ended.abort(new Error('client cancelled'));
    expect(isAcquireAbortedError(await waiting)).toBe(true);
    expect(m.manager.admission('a')).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('a call going on on another worker (continues) keeps its place rather than asking again', async () => {
    const m = make({ backends: { a: fixture([], { tier: 'hot', concurrency: 1, queue: 0 }) } });
    await m.manager.start();
    const first = await m.manager.acquire('a', { admit: true });
    // The place is full and queues none, yet the call's second attempt is let through on its place.
    const again = await m.manager.acquire('a', { admit: true, continues: first });
    first.release();
    expect(m.manager.admission('a')?.inFlight).toBe(1);
    again.release();
    expect(m.manager.admission('a')?.inFlight).toBe(0);
  });

  it('removing the backend refuses the calls waiting for a place', async () => {
    const m = make({ backends: { a: fixture([], { tier: 'hot', concurrency: 1, queue: 2 }) } });
    await m.manager.start();
    const first = await m.manager.acquire('a', { admit: true });
    const waiting = rejectionOf(m.manager.acquire('a', { admit: true }));
    const removed = m.manager.removeBackend('a', { timeoutMs: 1000 });
    expect(isBackendRemovedError(await waiting)).toBe(true);
    first.release();
    await removed;
    expect(m.manager.admission('a')).toBeUndefined();
  });
});
