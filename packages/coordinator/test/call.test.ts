/**
 * The call life cycle (`Call`), driven directly over real pieces: the fixture server's processes
 * (`StdioTier`), the fleet that leases them and makes their handshakes. Each test watches the
 * states a call passes and what it gives back. (The backend's admission is the tier manager's, in
 * the acquire: its gate has its own tests in multi-tier, and the gateway's run it end to end.)
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CancelSignal } from '@switchyard/flow-balancer';
import { BackendOverloadedError } from '@switchyard/multi-tier';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendFleet } from '../src/coordinator/backend-fleet.ts';
import {
  Call,
  type CallEnding,
  type CallHooks,
  isIllegalCallTransitionError,
  type Leased,
} from '../src/coordinator/call.ts';
import { defaultRandomBytes, type FrontSession, SessionTable } from '../src/coordinator/sessions.ts';
import type { JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from '../src/index.ts';
import { Naming } from '../src/naming/naming.ts';
import { thrownBy } from './helpers.ts';
import { StdioTier } from './support/stdio-tier.ts';

interface Rig {
  tier: StdioTier;
  fleet: BackendFleet;
  session: FrontSession;
  hooks: CallHooks;
  /** Every ending the hooks were told of, in order. */
  ends: CallEnding[];
  /** Leases handed to calls, and how many of them were given back. */
  leases: { granted: number; released: number };
  calls: Call[];
  /** While set, every acquire waits for it first (a call held in `leasing`). */
  hold: Promise<void> | undefined;
  /** What each acquire was given: the call's time left, and the lease it continues. */
  asked: { timeoutMs: number; continues: boolean }[];
  /** The signal each acquire was given (the call itself). */
  signals: CancelSignal[];
}

let rig: Rig | undefined;

afterEach(async () => {
  if (!rig) return;
  const { tier, calls } = rig;
  rig = undefined;
  for (const call of calls)
    if (!call.isEnded && call.state.kind !== 'new') call.abandon('cancelled', 'test over');
  await tier.stop();
});

function setup(args: readonly string[] = ['--name', 'a']): Rig {
  const tier = new StdioTier({ a: args });
  const fleet = new BackendFleet({
    tiers: tier,
    naming: new Naming({ backends: [{ name: 'a' }] }),
    clientInfo: { name: 'switchyard', version: '0.0.0-test' },
    timeoutMs: 10_000,
    onNotification: () => {},
  });
  const session = new SessionTable(defaultRandomBytes).add({
    id: 's-1',
    principal: 'alice',
    protocolVersion: '2025-11-25',
    clientInfo: undefined,
    clientCapabilities: {},
    era: 'legacy',
    lastSeenAt: 0,
  });
  const ends: CallEnding[] = [];
  const leases = { granted: 0, released: 0 };
  const hooks: CallHooks = {
    now: Date.now,
    acquire: async (backend, who, timeoutMs, continues, signal): Promise<Leased> => {
      rig?.asked.push({ timeoutMs, continues: continues !== undefined });
      rig?.signals.push(signal);
      if (rig?.hold) await rig.hold;
      const { lease, worker } = await fleet.acquire(backend, who);
      leases.granted++;
      return {
        worker,
        lease: {
          worker: lease.worker,
          release: () => {
            leases.released++;
            lease.release();
          },
        },
      };
    },
    serverRequest: () => {},
    ended: (_call, ending) => ends.push(ending),
  };
  rig = { tier, fleet, session, hooks, ends, leases, calls: [], hold: undefined, asked: [], signals: [] };
  return rig;
}

let nextId = 1;
function toolCall(name: string, args: Record<string, unknown>, progressToken?: string): JsonRpcRequest {
  const params = { name, arguments: args, ...(progressToken !== undefined && { _meta: { progressToken } }) };
  return { jsonrpc: '2.0', id: `call-${nextId++}`, method: 'tools/call', params };
}

function makeCall(
  r: Rig,
  request: JsonRpcRequest,
  extra: { retrySafe?: boolean; timeoutMs?: number } = {},
): Call {
  const call = new Call(
    {
      session: r.session,
      request,
      backend: 'a',
      params: request.params ?? {},
      started: Date.now(),
      retrySafe: extra.retrySafe ?? false,
      timeoutMs: extra.timeoutMs ?? 10_000,
    },
    r.hooks,
  );
  r.calls.push(call);
  return call;
}

async function drain(call: Call): Promise<JsonRpcMessage[]> {
  const out: JsonRpcMessage[] = [];
  for await (const m of call.sink.stream) out.push(m);
  return out;
}

const responsesOf = (messages: readonly JsonRpcMessage[]) =>
  messages.filter((m): m is JsonRpcResponse => !('method' in m));

describe('Call — the way through', () => {
  it('waits for a place and a worker in one acquire, within its time, answers once under the client id, and gives back the lease', async () => {
    const r = setup();
    let open = () => {};
    r.hold = new Promise<void>((resolve) => {
      open = resolve;
    });
    const request = toolCall('sleep', { ms: 200 });
    const call = makeCall(r, request, { timeoutMs: 7000 });
    expect(call.state.kind).toBe('new');
    call.run();
    expect(call.state).toEqual({ kind: 'leasing', attempt: 1, held: undefined });
    expect(r.session.inflight.get(request.id)).toBe(call);
    // The acquire is the call's: its whole time bounds the wait.
    expect(r.asked).toEqual([{ timeoutMs: 7000, continues: false }]);
    open();
    await expect.poll(() => call.state.kind, { timeout: 5000 }).toBe('dispatched');
    const messages = await drain(call);
    const [answer, ...more] = responsesOf(messages);
    expect(more).toEqual([]);
    expect(answer?.id).toBe(request.id);
    expect(answer && 'result' in answer && answer.result.content).toEqual([
      { type: 'text', text: 'slept 200 ms' },
    ]);
    expect(call.state).toEqual({ kind: 'answered', outcome: 'ok' });
    expect(r.ends).toHaveLength(1);
    expect(r.ends[0]).toMatchObject({ outcome: 'ok', worker: r.tier.worker('a').id });
    expect(r.leases).toEqual({ granted: 1, released: 1 });
    expect(r.session.inflight.size).toBe(0);
  });

  it('a retry-safe call whose worker died mid-call is leased another worker, once, and answered there', async () => {
    const marker = join(await mkdtemp(join(tmpdir(), 'switchyard-call-')), 'crashed');
    const r = setup(['--name', 'a', '--crash-on', 'boom', '--crash-marker', marker]);
    const call = makeCall(r, toolCall('echo', { text: 'boom' }), { retrySafe: true });
    call.run();
    const [answer] = responsesOf(await drain(call));
    expect(answer && 'result' in answer && answer.result.content).toEqual([{ type: 'text', text: 'boom' }]);
    expect(call.state.kind).toBe('answered');
    expect(r.tier.workers).toHaveLength(2);
    // The second worker answered; the first one's lease was given back when the second was granted.
    expect(r.ends[0]?.worker).toBe(r.tier.workers[1]?.id);
    expect(r.leases).toEqual({ granted: 2, released: 2 });
    // The second acquire continued the first lease (its admission place goes on), within the time left.
    expect(r.asked.map((a) => a.continues)).toEqual([false, true]);
    expect(r.asked[1]!.timeoutMs).toBeLessThanOrEqual(10_000);
  });

  it('a call not marked retry-safe ends failed when its worker dies, and says it was not retried', async () => {
    const r = setup(['--name', 'a', '--crash-on', 'boom']);
    const call = makeCall(r, toolCall('remember', { key: 'k', value: 'boom' }));
    call.run();
    const [answer] = responsesOf(await drain(call));
    expect(answer && 'error' in answer && answer.error.message).toContain('not retried');
    expect(call.state).toEqual({ kind: 'failed', outcome: 'error' });
    expect(r.tier.workers).toHaveLength(1);
    expect(r.leases).toEqual({ granted: 1, released: 1 });
  });

  it('a worker handed at once (no promise) is dispatched within run(), and the call goes on as usual', async () => {
    const r = setup();
    const warm = makeCall(r, toolCall('echo', { text: 'warm' }));
    warm.run();
    await drain(warm);
    // The fleet without a tier that leases at once gives a promise; a worker in hand goes at once.
    expect(r.fleet.acquireNow('a', r.session)).toBeInstanceOf(Promise);
    const held = await r.fleet.acquire('a', r.session);
    const inHand = { ...r.hooks, acquire: () => held };
    const call = new Call(
      {
        session: r.session,
        request: toolCall('echo', { text: 'now' }),
        backend: 'a',
        params: { name: 'echo', arguments: { text: 'now' } },
        started: Date.now(),
        retrySafe: false,
        timeoutMs: 10_000,
      },
      inHand,
    );
    r.calls.push(call);
    call.run();
    expect(call.state.kind).toBe('dispatched');
    const [answer] = responsesOf(await drain(call));
    expect(answer && 'result' in answer && answer.result.content).toEqual([{ type: 'text', text: 'now' }]);
    expect(call.state).toEqual({ kind: 'answered', outcome: 'ok' });
  });

  it('refused by the backend for want of room (BackendOverloadedError): refused at once, overloaded, never leased', async () => {
    const r = setup();
    const full = { ...r.hooks, acquire: () => Promise.reject(new BackendOverloadedError('a', 1, 0)) };
    const request = toolCall('echo', { text: 'x' });
    const call = new Call(
      {
        session: r.session,
        request,
        backend: 'a',
        params: request.params ?? {},
        started: Date.now(),
        retrySafe: false,
        timeoutMs: 10_000,
      },
      full,
    );
    r.calls.push(call);
    call.run();
    const [answer] = responsesOf(await drain(call));
    expect(answer && 'error' in answer && answer.error).toMatchObject({
      code: -32603,
      message: `Backend "a" is overloaded: ${new BackendOverloadedError('a', 1, 0).message}`,
      data: { backend: 'a', overloaded: true },
    });
    expect(call.state).toEqual({ kind: 'refused', outcome: 'rejected' });
    expect(r.ends[0]).toMatchObject({ outcome: 'rejected' });
    expect(r.leases.granted).toBe(0);
  });
});

describe('Call — endings are final', () => {
  it('a late answer after cancellation is dropped, not delivered twice', async () => {
    const r = setup();
    const request = toolCall('sleep', { ms: 300 }, 'tok');
    const call = makeCall(r, request);
    call.run();
    await expect.poll(() => call.state.kind, { timeout: 5000 }).toBe('dispatched');
    // Hold the cancellation back from the process, so its reply really comes late.
    r.tier.worker('a').holdBack = (m) => 'method' in m && m.method === 'notifications/cancelled';
    const iterator = call.sink.stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect((first.value as { method?: string }).method).toBe('notifications/progress');
    expect(call.abandon('cancelled', 'changed my mind')).toBe(true);
    expect(call.state).toEqual({ kind: 'cancelled', outcome: 'cancelled' });
    const rest: JsonRpcMessage[] = [];
    for (let n = await iterator.next(); !n.done; n = await iterator.next()) rest.push(n.value);
    expect(responsesOf(rest)).toEqual([]);
    // The worker's reply comes anyway, and is counted as late, not delivered.
    await expect.poll(() => r.fleet.lateReplies, { timeout: 3000 }).toBe(1);
    // Whatever else is reported for the ended call is dropped too.
    expect(call.answer({ jsonrpc: '2.0', id: request.id, result: { content: [] } })).toBe(false);
    expect(call.workerClosed('gone')).toBe(false);
    expect(call.abandon('timeout', 'again')).toBe(false);
    expect(call.state.kind).toBe('cancelled');
    expect(r.ends).toHaveLength(1);
    expect(r.ends[0]).toMatchObject({ outcome: 'cancelled', error: 'changed my mind', message: undefined });
    expect(r.leases).toEqual({ granted: 1, released: 1 });
    expect(r.session.inflight.size).toBe(0);
  });

  it('the deadline ends it timed-out with -32001 and cancels it on the worker under the worker’s id', async () => {
    const r = setup();
    // A first call starts the worker and makes its handshake, so the deadline falls while dispatched.
    const warm = makeCall(r, toolCall('echo', { text: 'warm' }));
    warm.run();
    await drain(warm);
    const call = makeCall(r, toolCall('sleep', { ms: 3000 }), { timeoutMs: 300 });
    call.run();
    await expect.poll(() => call.state.kind, { timeout: 250 }).toBe('dispatched');
    const [answer] = responsesOf(await drain(call));
    expect(answer && 'error' in answer && answer.error.code).toBe(-32001);
    expect(call.state).toEqual({ kind: 'timed-out', outcome: 'timeout' });
    const sent = r.tier.worker('a').sent;
    const wire = sent.findLast((m) => 'method' in m && m.method === 'tools/call') as { id: unknown };
    const cancel = sent.find((m) => 'method' in m && m.method === 'notifications/cancelled') as unknown as {
      params: { requestId: unknown };
    };
    expect(cancel.params.requestId).toBe(wire.id);
  });

  it('the call is its acquire’s signal: its end (here a cancel while it waits) fires it once, so a wait for a place stops', async () => {
    const r = setup();
    let open = () => {};
    r.hold = new Promise<void>((resolve) => {
      open = resolve;
    });
    const call = makeCall(r, toolCall('echo', { text: 'x' }));
    call.run();
    const [signal] = r.signals;
    expect(signal).toBe(call);
    expect(signal!.aborted).toBe(false);
    let fired = 0;
    signal!.addEventListener('abort', () => fired++);
    expect(call.abandon('cancelled', 'never mind')).toBe(true);
    expect([fired, signal!.aborted]).toEqual([1, true]);
    // A listener added after the end is not kept (the wait sees `aborted` first).
    signal!.addEventListener('abort', () => fired++);
    open();
    await expect.poll(() => r.leases.released, { timeout: 5000 }).toBe(1);
    expect(fired).toBe(1);
  });

  it('a lease granted after the call was cancelled is given back, and the worker never sees the call', async () => {
    const r = setup();
    const call = makeCall(r, toolCall('echo', { text: 'x' }));
    call.run();
    expect(call.state.kind).toBe('leasing');
    expect(call.abandon('cancelled', 'never mind')).toBe(true);
    await expect.poll(() => r.leases.granted, { timeout: 5000 }).toBe(1);
    expect(r.leases.released).toBe(1);
    expect(r.tier.worker('a').sent.some((m) => 'method' in m && m.method === 'tools/call')).toBe(false);
    expect(r.ends).toHaveLength(1);
  });
});

describe('Call — illegal transitions', () => {
  it('throw IllegalCallTransitionError, naming the state and the transition, and change nothing', async () => {
    const r = setup();
    let open = () => {};
    r.hold = new Promise<void>((resolve) => {
      open = resolve;
    });
    const request = toolCall('echo', { text: 'x' });
    const call = makeCall(r, request);
    const reply: JsonRpcResponse = { jsonrpc: '2.0', id: request.id, result: { content: [] } };

    const early = thrownBy(() => call.answer(reply), isIllegalCallTransitionError);
    expect([early.state, early.transition]).toEqual(['new', 'answer']);
    thrownBy(() => call.abandon('cancelled', 'too soon'), isIllegalCallTransitionError);
    expect(r.session.inflight.size).toBe(0);

    call.run();
    const twice = thrownBy(() => call.run(), isIllegalCallTransitionError);
    expect([twice.state, twice.transition]).toEqual(['leasing', 'run']);
    const unsent = thrownBy(() => call.answer(reply), isIllegalCallTransitionError);
    expect(unsent.state).toBe('leasing');
    thrownBy(() => call.workerClosed('gone'), isIllegalCallTransitionError);
    expect(call.state.kind).toBe('leasing');
    expect(r.ends).toEqual([]);

    // The call still goes its way once it has its worker.
    open();
    const [answer] = responsesOf(await drain(call));
    expect(answer && 'result' in answer).toBe(true);
    expect(call.state.kind).toBe('answered');
  });
});
