/**
 * Admission per principal, then for the gateway, over real HTTP to a real gateway (a real
 * server-everything behind it): slow bodies get 408 and hold no slot; a principal over its fair share gets
 * 429 while another's calls go through; long-lived streams count against their own bound; batches
 * are capped and each message counts against the rate limit; the coordinator's session bounds
 * leave as 429 / 503 with Retry-After. Every refusal is counted in /metrics.
 */
import { LIMIT_REACHED } from '@switchyard/coordinator';
import { describe, expect, it } from 'vitest';
import { INITIALIZE, type InProcess, post, rawSession, startInProcess } from './support/gateway.ts';
import { EVERYTHING } from './support/third-party.ts';

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-0123456789abc';
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

function config(switchyard: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mcpServers: {
      everything: {
        command: process.execPath,
        args: [EVERYTHING, 'stdio'],
        tier: 'hot',
        limits: { concurrency: 64 },
      },
    },
    switchyard: {
      auth: {
        tokens: [
          { token: ALICE, principal: 'alice' },
          { token: BOB, principal: 'bob' },
        ],
      },
      admin: { principals: ['alice'] },
      ...switchyard,
    },
  };
}

/** A `tools/call` of server-everything: `echo` of a text, or a `sleep` (its long-running operation). */
const call = (id: number, name: 'echo' | 'sleep', args: { text?: string; ms?: number }) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params:
    name === 'echo'
      ? { name: 'everything__echo', arguments: { message: args.text } }
      : {
          name: 'everything__trigger-long-running-operation',
          arguments: { duration: Math.ceil((args.ms ?? 0) / 1000), steps: 1 },
        },
});

async function errorOf(response: Response): Promise<{ code: number; message: string; data?: unknown }> {
  const body = (await response.json()) as { error: { code: number; message: string; data?: unknown } };
  return body.error;
}

async function echo(url: string, headers: Record<string, string>, text: string): Promise<Response> {
  return post(url, call(7, 'echo', { text }), headers);
}

async function refusals(origin: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${origin}/metrics`, { headers: auth(ALICE) })).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^switchyard_admissions_refused_total\{reason="([^"]+)"\} (\d+)/gm)) {
    counts[m[1] as string] = Number(m[2]);
  }
  return counts;
}

/** Waits (bounded) until the coordinator has `n` routed requests in flight. */
async function routed(gateway: InProcess['gateway'], n: number): Promise<void> {
  for (let i = 0; i < 500 && gateway.coordinator.stats().inFlight < n; i++) await Bun.sleep(10);
  expect(gateway.coordinator.stats().inFlight).toBe(n);
}

/** A POST whose body trickles a byte at a time and never ends; resolves `started` once it is sent. */
function slowPost(url: string, headers: Record<string, string>, signal: AbortSignal) {
  const { promise: started, resolve } = Promise.withResolvers<void>();
  let timer: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"jsonrpc":"2.0",'));
      resolve();
      timer = setInterval(() => {
        try {
          controller.enqueue(new TextEncoder().encode(' '));
        } catch {
          clearInterval(timer);
        }
      }, 100);
    },
    cancel() {
      clearInterval(timer);
    },
  });
  signal.addEventListener('abort', () => clearInterval(timer));
  const response = fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body,
    signal,
    duplex: 'half',
  }).finally(() => clearInterval(timer));
  return { started, response };
}

describe('admission per principal, then global', () => {
  it('a slow body gets 408 with a JSON-RPC error and holds no slot: another principal is served meanwhile', async () => {
    const { url, origin } = await startInProcess(
      config({
        admission: { concurrency: 2, concurrencyPerPrincipal: 1, queue: 1, queueTimeoutMs: 30_000 },
        limits: { bodyTimeoutMs: 3_000 },
      }),
    );
    const bob = await rawSession(url, auth(BOB));
    const stop = new AbortController();
    // Five slow bodies, more than the gateway's slots and queue together.
    const slow = Array.from({ length: 5 }, () => slowPost(url, auth(ALICE), stop.signal));
    await Promise.all(slow.map((s) => s.started));
    try {
      for (let i = 0; i < 5; i++) {
        const r = await echo(url, { ...auth(BOB), 'mcp-session-id': bob }, `b${i}`);
        expect(r.status).toBe(200);
        expect(JSON.stringify(await r.json())).toContain(`b${i}`);
      }
      const answers = await Promise.all(slow.map((s) => s.response));
      for (const r of answers) {
        expect(r.status).toBe(408);
        const error = await errorOf(r);
        expect(error.message).toMatch(/bodyTimeoutMs/);
        expect(error.data).toEqual({ limit: 'bodyTimeoutMs', max: 3_000 });
      }
    } finally {
      stop.abort();
    }
    expect((await refusals(origin))['body-timeout']).toBe(5);
  });

  it('a principal over its fair share gets 429 with Retry-After; another principal is served', async () => {
    const { url, origin, gateway } = await startInProcess(
      config({ admission: { concurrency: 8, concurrencyPerPrincipal: 2, queueTimeoutMs: 300 } }),
    );
    const alice = await rawSession(url, auth(ALICE));
    const bob = await rawSession(url, auth(BOB));
    const stop = new AbortController();
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...auth(ALICE),
      'mcp-session-id': alice,
    };
    // Two long calls fill alice's share; two more wait for it (and give up), a fifth finds no room.
    const held = Array.from({ length: 2 }, (_, i) =>
      fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(call(100 + i, 'sleep', { ms: 60_000 })),
        signal: stop.signal,
      }).catch(() => undefined),
    );
    try {
      await routed(gateway, 2);
      const over = await Promise.all(
        Array.from({ length: 3 }, (_, i) => post(url, call(200 + i, 'echo', { text: 'more' }), headers)),
      );
      const statuses = over.map((r) => r.status);
      expect(statuses).toEqual([429, 429, 429]);
      for (const r of over) {
        expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
        const error = await errorOf(r);
        expect(error.code).toBe(-32050);
        expect(error.data).toEqual({ limit: 'concurrencyPerPrincipal', max: 2 });
      }
      for (let i = 0; i < 5; i++) {
        const r = await echo(url, { ...auth(BOB), 'mcp-session-id': bob }, `bob${i}`);
        expect(r.status).toBe(200);
      }
    } finally {
      stop.abort();
      await Promise.all(held);
    }
    expect((await refusals(origin))['principal-share']).toBe(3);
  });

  it('the gateway-wide limit refuses with 503 and Retry-After once every slot is taken', async () => {
    const { url, origin, gateway } = await startInProcess(
      config({ admission: { concurrency: 2, concurrencyPerPrincipal: 2, queue: 4, queueTimeoutMs: 300 } }),
    );
    const alice = await rawSession(url, auth(ALICE));
    const bob = await rawSession(url, auth(BOB));
    const stop = new AbortController();
    const held = Array.from({ length: 2 }, (_, i) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...auth(ALICE),
          'mcp-session-id': alice,
        },
        body: JSON.stringify(call(100 + i, 'sleep', { ms: 60_000 })),
        signal: stop.signal,
      }).catch(() => undefined),
    );
    try {
      await routed(gateway, 2);
      const refused = await echo(url, { ...auth(BOB), 'mcp-session-id': bob }, 'x');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect((await errorOf(refused as Response)).message).toMatch(/Overloaded/);
    } finally {
      stop.abort();
      await Promise.all(held);
    }
    expect((await refusals(origin)).overload).toBeGreaterThanOrEqual(1);
  });

  it('long-lived streams count against streamsPerPrincipal, not call slots', async () => {
    const { url, origin } = await startInProcess(
      config({
        admission: { concurrency: 1, concurrencyPerPrincipal: 1, queueTimeoutMs: 2_000 },
        limits: { streamsPerPrincipal: 2 },
      }),
    );
    const sessions = [
      await rawSession(url, auth(ALICE)),
      await rawSession(url, auth(ALICE)),
      await rawSession(url, auth(ALICE)),
    ];
    const get = (session: string, token: string) =>
      fetch(url, { headers: { accept: 'text/event-stream', ...auth(token), 'mcp-session-id': session } });
    const open: Response[] = [];
    try {
      open.push(await get(sessions[0] as string, ALICE));
      const dashboard = await fetch(`${origin}/dashboard/events`, { headers: auth(ALICE) });
      expect(dashboard.status).toBe(200);
      open.push(dashboard);
      for (const r of open) expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
      // Two streams open: a third (a GET or the dashboard's) is refused.
      const third = await get(sessions[1] as string, ALICE);
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
      const error = await errorOf(third);
      expect(error.code).toBe(-32050);
      expect(error.data).toEqual({ limit: 'streamsPerPrincipal', max: 2 });
      expect((await fetch(`${origin}/dashboard/events`, { headers: auth(ALICE) })).status).toBe(429);
      // Calls still pass: the streams hold no call slot (the gateway has one).
      const r = await echo(url, { ...auth(ALICE), 'mcp-session-id': sessions[2] as string }, 'still');
      expect(r.status).toBe(200);
      // Another principal's streams are its own.
      const bob = await rawSession(url, auth(BOB));
      const bobStream = await get(bob, BOB);
      expect(bobStream.status).toBe(200);
      open.push(bobStream);
      // A stream closed gives its place back.
      await open.shift()?.body?.cancel();
      let again: Response | undefined;
      for (let i = 0; i < 100; i++) {
        again = await get(sessions[1] as string, ALICE);
        if (again.status === 200) break;
        await again.body?.cancel();
        await Bun.sleep(20);
      }
      expect(again?.status).toBe(200);
      if (again) open.push(again);
    } finally {
      await Promise.all(open.map((r) => r.body?.cancel().catch(() => {})));
    }
    expect((await refusals(origin)).streams).toBeGreaterThanOrEqual(2);
  });
});

describe('batches', () => {
  const BATCH_HEADERS = { 'mcp-protocol-version': '2025-03-26' };
  const initializeAt = (id: number) => ({
    ...INITIALIZE,
    id,
    params: { ...INITIALIZE.params, protocolVersion: '2025-03-26' },
  });

  it('a batch over maxBatchSize gets 413 naming the limit; a batch of 10 000 initialize makes no session', async () => {
    const { url, origin, gateway } = await startInProcess(config());
    const big = Array.from({ length: 10_000 }, (_, i) => initializeAt(i + 1));
    const r = await post(url, big, { ...auth(ALICE), ...BATCH_HEADERS });
    expect(r.status).toBe(413);
    const error = await errorOf(r);
    expect(error.message).toMatch(/10000 messages.*maxBatchSize/);
    expect(error.data).toEqual({ limit: 'maxBatchSize', max: 64 });
    expect(gateway.coordinator.stats().sessions).toBe(0);
    const just = await post(url, [initializeAt(1)], { ...auth(ALICE), ...BATCH_HEADERS });
    expect(just.status).toBe(200);
    expect((await refusals(origin))['batch-size']).toBe(1);
  });

  it('with a large batch allowed, sessionsPerPrincipal caps what it makes; another principal still opens sessions', async () => {
    const { url, origin, gateway } = await startInProcess(
      config({ limits: { maxBatchSize: 20_000, sessionsPerPrincipal: 5, maxBodyBytes: 8_388_608 } }),
    );
    const big = Array.from({ length: 10_000 }, (_, i) => initializeAt(i + 1));
    const r = await post(url, big, { ...auth(ALICE), ...BATCH_HEADERS });
    expect(r.status).toBe(200);
    const answers = (await r.json()) as { id: number; result?: unknown; error?: { code: number } }[];
    expect(answers).toHaveLength(10_000);
    expect(answers.filter((a) => a.result !== undefined)).toHaveLength(5);
    expect(answers.filter((a) => a.error?.code === -32050)).toHaveLength(9_995);
    expect(gateway.coordinator.stats().sessions).toBe(5);
    // alice at her limit: one more initialize is 429 with Retry-After, naming the bound.
    const more = await post(url, INITIALIZE, auth(ALICE));
    expect(more.status).toBe(429);
    expect(more.headers.get('retry-after')).toMatch(/^\d+$/);
    const error = await errorOf(more);
    expect(error.code).toBe(-32050);
    expect(error.data).toEqual({ limit: 'sessionsPerPrincipal', max: 5 });
    // bob is not held back by her.
    for (let i = 0; i < 3; i++) await rawSession(url, auth(BOB));
    expect(gateway.coordinator.stats().sessions).toBe(8);
    expect((await refusals(origin))['sessions-per-principal']).toBe(9_996);
  });

  it('sessions in all: 503 with Retry-After once the gateway holds switchyard.limits.sessions', async () => {
    const { url, origin } = await startInProcess(config({ limits: { sessions: 2 } }));
    await rawSession(url, auth(ALICE));
    await rawSession(url, auth(BOB));
    const r = await post(url, INITIALIZE, auth(BOB));
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect((await errorOf(r)).data).toEqual({ limit: 'sessions', max: 2 });
    expect((await refusals(origin)).sessions).toBe(1);
  });

  it('each message of a batch counts against the rate limit', async () => {
    const { url, origin } = await startInProcess(
      config({ admission: { rateLimit: { perSecond: 1, burst: 4 } } }),
    );
    const session = (await post(url, [initializeAt(1)], { ...auth(ALICE), ...BATCH_HEADERS })).headers.get(
      'mcp-session-id',
    ) as string;
    const headers = { ...auth(ALICE), ...BATCH_HEADERS, 'mcp-session-id': session };
    const pings = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i + 1, method: 'ping' }));
    // One token went to initialize: a batch of five is over the bucket of four.
    const tooMany = await post(url, pings(5), headers);
    expect(tooMany.status).toBe(429);
    expect(tooMany.headers.get('retry-after')).toMatch(/^\d+$/);
    const refusal = await errorOf(tooMany);
    expect(refusal.message).toMatch(/this batch counts 5/);
    expect(refusal.code).toBe(LIMIT_REACHED);
    expect(refusal.data).toEqual({
      limit: 'rateLimit',
      perSecond: 1,
      burst: 4,
      retryAfterMs: expect.any(Number),
    });
    const three = await post(url, pings(3), headers);
    expect(three.status).toBe(200);
    // The bucket is now (nearly) empty: another batch of three is refused.
    const again = await post(url, pings(3), headers);
    expect(again.status).toBe(429);
    // Bob has a bucket of his own.
    expect((await post(url, [initializeAt(1)], { ...auth(BOB), ...BATCH_HEADERS })).status).toBe(200);
    expect((await refusals(origin))['rate-limit']).toBe(2);
  });
});

describe('GET /', () => {
  it('names the endpoints and both protocol eras, without credentials', async () => {
    const { origin } = await startInProcess(config());
    const r = await fetch(`${origin}/`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { endpoints: Record<string, string>; protocols: { era: string }[] };
    expect(Object.keys(body.endpoints)).toEqual(['/mcp', '/healthz', '/readyz', '/metrics', '/dashboard']);
    expect(body.protocols.map((p) => p.era)).toEqual(['2026-07-28', '2025-03-26 … 2025-11-25']);
    expect((await fetch(`${origin}/`, { method: 'POST' })).status).toBe(405);
  });
});
