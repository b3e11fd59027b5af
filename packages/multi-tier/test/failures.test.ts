/**
 * Backends that cannot start are failed with their reason and stderr, isolated from healthy ones,
 * and retried with backoff; acquires are bounded by their signal and deadline.
 */
import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import {
  type AcquireTimeoutError,
  type BackendFailedError,
  isAcquireAbortedError,
  isAcquireTimeoutError,
  isBackendFailedError,
  isStartInterruptedError,
  isUnknownBackendError,
} from '../src/index.ts';
import { fixture, managerMaker, rejectionOf, tool, until } from './helpers.ts';

const make = managerMaker();

describe('a backend that cannot start', () => {
  it('is failed with its reason and stderr tail; acquires fail fast; a healthy backend is unaffected', async () => {
    const m = make({
      backends: {
        crashing: fixture(['--exit-at-start'], { tier: 'hot' }),
        missing: fixture([], { tier: 'warm', command: '/nonexistent/switchyard-no-such-command' }),
        refusing: fixture([], {
          tier: 'warm',
          ready: async () => {
            throw new Error('handshake refused');
          },
        }),
        healthy: fixture([], { tier: 'hot' }),
      },
    });
    const report = await m.manager.start();
    expect(report.ready).toEqual(['healthy']);
    expect(report.failed).toEqual([{ backend: 'crashing', reason: 'exit code 1' }]);

    const crashing = (await rejectionOf(m.manager.acquire('crashing'))) as BackendFailedError;
    expect(isBackendFailedError(crashing)).toBe(true);
    expect(crashing).toMatchObject({ backend: 'crashing', reason: 'exit code 1', failures: 1 });
    expect(crashing.stderrTail.join('\n')).toContain('refusing to start (--exit-at-start)');
    expect(crashing.message).toContain('backend "crashing" failed');
    expect(m.of('worker-starting').filter((e) => e.backend === 'crashing')).toHaveLength(1); // fast: no new start

    const missing = (await rejectionOf(m.manager.acquire('missing'))) as BackendFailedError;
    expect(isBackendFailedError(missing)).toBe(true);
    expect(missing.reason).toMatch(/spawn failed|ENOENT|no such file/i);

    const refusing = (await rejectionOf(m.manager.acquire('refusing'))) as BackendFailedError;
    expect(isBackendFailedError(refusing)).toBe(true);
    expect(refusing.reason).toContain('handshake refused');

    const lease = await m.manager.acquire('healthy');
    expect(await tool(lease, 'echo', { text: 'fine' })).toBe('fine');
    lease.release();
    const s = m.manager.stats().backends;
    expect(s.crashing).toMatchObject({
      state: 'failed',
      startFailures: 1,
      failure: { reason: 'exit code 1' },
    });
    expect(s.healthy).toMatchObject({ state: 'ok', workers: { ready: 1 } });
    expect(
      m
        .of('backend-failed')
        .map((e) => e.backend)
        .sort(),
    ).toEqual(['crashing', 'missing', 'refusing']);
  });

  it('is retried with a doubling backoff on the injected clock and random source', async () => {
    const clock = new FakeClock();
    const m = make({
      clock,
      random: () => 0.5,
      retry: { baseDelayMs: 1000, maxDelayMs: 3000, jitter: 0.2 },
      backends: {
        crashing: fixture(['--exit-at-start'], { tier: 'hot' }),
        healthy: fixture([], { tier: 'hot' }),
      },
    });
    await m.manager.start();
    const starts = () => m.of('worker-starting').filter((e) => e.backend === 'crashing').length;
    // 1000 × (1 − 0.2) + 1000 × 0.2 × 0.5
    expect(m.of('backend-failed')).toMatchObject([{ backend: 'crashing', failures: 1, retryInMs: 900 }]);
    clock.advance(899);
    expect(starts()).toBe(1);
    expect(isBackendFailedError(await rejectionOf(m.manager.acquire('crashing')))).toBe(true);
    const second = m.next('backend-failed');
    clock.advance(1);
    expect(m.of('backend-retry')).toMatchObject([{ backend: 'crashing', failures: 1 }]);
    expect(starts()).toBe(2); // the hot backend tries again at once
    expect(await second).toMatchObject({ failures: 2, retryInMs: 1800 });
    const third = m.next('backend-failed');
    clock.advance(1800);
    expect(await third).toMatchObject({ failures: 3, retryInMs: 2700 }); // capped at maxDelayMs 3000
    expect(starts()).toBe(3);
    const healthy = await m.manager.acquire('healthy');
    healthy.release();
  });

  it('recovers when a retry succeeds', async () => {
    const clock = new FakeClock();
    let refuse = true;
    const m = make({
      clock,
      random: () => 0,
      retry: { baseDelayMs: 100, jitter: 0 },
      backends: {
        flaky: fixture([], {
          tier: 'hot',
          ready: async (w) => {
            if (refuse) throw new Error('not yet');
            await w.request('initialize', {
              protocolVersion: '2025-06-18',
              capabilities: {},
              clientInfo: { name: 't', version: '0' },
            });
          },
        }),
      },
    });
    expect((await m.manager.start()).failed).toHaveLength(1);
    refuse = false;
    const recovered = m.next('backend-recovered');
    clock.advance(100);
    await recovered;
    const lease = await m.manager.acquire('flaky');
    expect(lease.warmHit).toBe(true);
    lease.release();
    expect(m.manager.stats().backends.flaky!.state).toBe('ok');
  });

  it('is failed after a crash loop of ready workers', async () => {
    const m = make({
      retry: { maxCrashes: 2, windowMs: 60_000, baseDelayMs: 60_000 },
      backends: { fragile: fixture(['--crash-on', 'die'], { tier: 'hot' }) },
    });
    await m.manager.start();
    for (let i = 0; i < 2; i++) {
      await until(() => m.manager.stats().backends.fragile!.workers.ready === 1, 'a ready worker');
      const lease = await m.manager.acquire('fragile');
      const died = m.next('worker-died');
      await rejectionOf(tool(lease, 'echo', { text: 'die' }));
      lease.release();
      await died;
    }
    const e = (await rejectionOf(m.manager.acquire('fragile'))) as BackendFailedError;
    expect(isBackendFailedError(e)).toBe(true);
    expect(e.reason).toMatch(/crash loop: 2 crashes/);
    expect(e.stderrTail.join('\n')).toContain('crashing on "die" as asked');
    expect(e.message).not.toContain('crashing on');
  });

  it('keeps its stderr out of every message: the tail is a field for the log, the reason names the exit', async () => {
    const secret = 'DATABASE_URL=postgres://admin:hunter2@db.internal/prod';
    const m = make({
      backends: {
        leaky: fixture([], {
          tier: 'hot',
          command: process.execPath,
          args: ['-e', `console.error(${JSON.stringify(secret)}); process.exit(3)`],
        }),
      },
    });
    const failed = m.next('backend-failed');
    const report = await m.manager.start();
    expect(report.failed).toEqual([{ backend: 'leaky', reason: 'exit code 3' }]);
    expect((await failed).stderrTail).toContain(secret); // the event (for the operator's log) has it
    const e = (await rejectionOf(m.manager.acquire('leaky'))) as BackendFailedError;
    expect(isBackendFailedError(e)).toBe(true);
    // The refusal says when the next start comes (the retry's backoff).
    expect(e.message).toMatch(/^backend "leaky" failed: exit code 3 \(next attempt in \d+ ms\)$/);
    expect(e.stderrTail).toContain(secret);
    // Nor in the causes a caller may print.
    let cause: unknown = e;
    for (let depth = 0; cause instanceof Error && depth < 10; depth++) {
      expect(cause.message).not.toContain('hunter2');
      cause = cause.cause;
    }
    expect(m.manager.stats().backends.leaky!.failure?.stderrTail).toContain(secret);
  });
});

describe('acquire bounds', () => {
  it('names an unknown backend', async () => {
    const m = make({ backends: { a: fixture() } });
    const e = await rejectionOf(m.manager.acquire('b'));
    expect(isUnknownBackendError(e)).toBe(true);
    expect(String(e)).toContain('unknown backend "b" (known: a)');
  });

  it('ends with AcquireTimeoutError at its deadline and AcquireAbortedError on its signal; the start goes on', async () => {
    const m = make({ backends: { slow: fixture(['--ready-delay-ms', '600'], { tier: 'warm' }) } });
    const timedOut = (await rejectionOf(m.manager.acquire('slow', { timeoutMs: 50 }))) as AcquireTimeoutError;
    expect(isAcquireTimeoutError(timedOut)).toBe(true);
    expect(timedOut.backend).toBe('slow');
    const ac = new AbortController();
    const aborted = rejectionOf(m.manager.acquire('slow', { signal: ac.signal }));
    ac.abort(new Error('client left'));
    expect(isAcquireAbortedError(await aborted)).toBe(true);
    const pre = new AbortController();
    pre.abort();
    expect(isAcquireAbortedError(await rejectionOf(m.manager.acquire('slow', { signal: pre.signal })))).toBe(
      true,
    );
    // The start they gave up on was not wasted: a later acquire gets it; still one spawn.
    const lease = await m.manager.acquire('slow', { deadline: performance.now() + 5000 });
    expect(await tool(lease, 'add', { a: 1, b: 1 })).toBe('2');
    lease.release();
    expect(m.of('worker-starting')).toHaveLength(1);
  });

  it('bounds start() by its deadline and signal', async () => {
    const m = make({ backends: { slow: fixture(['--ready-delay-ms', '800'], { tier: 'hot' }) } });
    const e = await rejectionOf(m.manager.start({ timeoutMs: 50 }));
    expect(isStartInterruptedError(e)).toBe(true);
    expect(e).toMatchObject({ kind: 'timeout', pending: ['slow'] });
    const ac = new AbortController();
    const aborted = rejectionOf(m.manager.start({ signal: ac.signal }));
    ac.abort();
    expect(await aborted).toMatchObject({ kind: 'aborted' });
    expect(await m.manager.start()).toEqual({ ready: ['slow'], failed: [] });
  });
});
