import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import {
  IdRemapper,
  isDuplicateRequestIdError,
  isTooManyPendingError,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../src/index.ts';
import { thrownBy } from './helpers.ts';

const req = (id: RequestId, method = 'tools/call', params?: Record<string, unknown>): JsonRpcRequest =>
  params ? { jsonrpc: '2.0', id, method, params } : { jsonrpc: '2.0', id, method };

const ok = (id: RequestId, result: Record<string, unknown> = {}): JsonRpcResponse => ({
  jsonrpc: '2.0',
  id,
  result,
});

describe('IdRemapper', () => {
  it('gives two sessions using id 1 at once their own backend ids, and each its own reply', () => {
    const r = new IdRemapper();
    const a = r.outbound('session-a', req(1, 'tools/call', { name: 'x' }));
    const b = r.outbound('session-b', req(1, 'tools/call', { name: 'y' }));
    expect(a.id).not.toBe(b.id);
    expect(typeof a.id).toBe('number');
    expect(a.params).toEqual({ name: 'x' });
    expect(JSONRPCMessageSchema.safeParse(a).success).toBe(true);

    // The worker answers b first.
    const toB = r.inbound(ok(b.id, { content: [{ type: 'text', text: 'y' }] }));
    expect(toB.kind).toBe('deliver');
    if (toB.kind !== 'deliver') return;
    expect(toB.origin.sessionKey).toBe('session-b');
    expect(toB.message).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { content: [{ type: 'text', text: 'y' }] },
    });

    const toA = r.inbound({ jsonrpc: '2.0', id: a.id, error: { code: -32603, message: 'boom' } });
    expect(toA.kind === 'deliver' && toA.origin.sessionKey).toBe('session-a');
    expect(toA.kind === 'deliver' && toA.message).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32603, message: 'boom' },
    });
    expect(r.pendingCount).toBe(0);
  });

  it('issues increasing ids and keeps 1 and "1" apart', () => {
    const r = new IdRemapper();
    const first = r.outbound('s', req(1));
    const second = r.outbound('s', req('1'));
    expect(second.id as number).toBeGreaterThan(first.id as number);
    const back = r.inbound(ok(second.id));
    expect(back.kind === 'deliver' && back.message.id).toBe('1');
  });

  it('delivers a reply exactly once; a duplicate is late', () => {
    const r = new IdRemapper();
    const out = r.outbound('s', req(10));
    expect(r.inbound(ok(out.id)).kind).toBe('deliver');
    expect(r.inbound(ok(out.id))).toEqual({ kind: 'late', backendId: out.id, reason: 'completed' });
  });

  it('drops a reply after cancellation and says what to tell the worker', () => {
    const r = new IdRemapper();
    const out = r.outbound('s', req(5));
    const abandoned = r.cancelFromClient('s', {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 5, reason: 'user pressed stop' },
    });
    expect(abandoned?.origin.clientId).toBe(5);
    expect(abandoned?.cancel).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: out.id, reason: 'user pressed stop' },
    });
    expect(JSONRPCMessageSchema.safeParse(abandoned?.cancel).success).toBe(true);
    expect(r.inbound(ok(out.id))).toEqual({ kind: 'late', backendId: out.id, reason: 'cancelled' });
    // The client may reuse nothing here, but a new request with a new id gets a new backend id.
    const again = r.outbound('s', req(6));
    expect(again.id).not.toBe(out.id);
    expect(r.cancel('s', 999)).toBeUndefined();
  });

  it('never delivers a late reply to a newer request of the same session and client id', () => {
    const r = new IdRemapper({ maxSettled: 0 });
    const old = r.outbound('s', req(1));
    r.cancel('s', 1);
    // After the request settled, the client may send id 1 again (a new request).
    const fresh = r.outbound('s', req(1));
    const late = r.inbound(ok(old.id, { stale: true }));
    expect(late).toEqual({ kind: 'late', backendId: old.id, reason: undefined });
    const right = r.inbound(ok(fresh.id, { fresh: true }));
    expect(right.kind === 'deliver' && right.message).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { fresh: true },
    });
  });

  it('expires requests past their deadline and drops their late replies', () => {
    const r = new IdRemapper();
    const soon = r.outbound('s', req('a'), { deadline: 1_000 });
    const later = r.outbound('s', req('b'), { deadline: 5_000 });
    const never = r.outbound('t', req('c'));
    expect(r.expireDue(999)).toEqual([]);
    const expired = r.expireDue(1_000);
    expect(expired.map((e) => e.origin.clientId)).toEqual(['a']);
    expect(expired[0]!.reason).toBe('timeout');
    expect(expired[0]!.cancel.params).toEqual({ requestId: soon.id, reason: 'request timed out' });
    expect(r.inbound(ok(soon.id))).toEqual({ kind: 'late', backendId: soon.id, reason: 'timeout' });
    expect(r.expire(later.id as number)?.origin.clientId).toBe('b');
    expect(r.expire(later.id as number)).toBeUndefined();
    expect(r.pendingCount).toBe(1);
    expect(r.inbound(ok(never.id)).kind).toBe('deliver');
  });

  it('abandons every pending request of a closed session and no other', () => {
    const r = new IdRemapper();
    const a1 = r.outbound('a', req(1));
    r.outbound('a', req(2));
    const b1 = r.outbound('b', req(1));
    const abandoned = r.closeSession('a');
    expect(abandoned.map((x) => x.origin.clientId).sort()).toEqual([1, 2]);
    expect(abandoned.every((x) => x.reason === 'session-closed')).toBe(true);
    expect(r.inbound(ok(a1.id)).kind).toBe('late');
    expect(r.inbound(ok(b1.id)).kind).toBe('deliver');
    expect(r.closeSession('a')).toEqual([]);
  });

  it('calls replies with ids it never issued unknown', () => {
    const r = new IdRemapper();
    r.outbound('s', req(1));
    expect(r.inbound(ok('1'))).toEqual({ kind: 'unknown', backendId: '1' });
    expect(r.inbound(ok(99))).toEqual({ kind: 'unknown', backendId: 99 });
    expect(r.inbound({ jsonrpc: '2.0', error: { code: -32700, message: 'x' } })).toEqual({
      kind: 'unknown',
      backendId: undefined,
    });
  });

  it('refuses a client id that is still pending in the same session', () => {
    const r = new IdRemapper();
    r.outbound('s', req(1));
    const thrown = thrownBy(() => r.outbound('s', req(1)), isDuplicateRequestIdError);
    expect(thrown.message).toContain('already in use');
    expect(thrown.toJsonRpcError().code).toBe(-32600);
    expect(() => r.outbound('other', req(1))).not.toThrow();
  });

  it('is bounded: past maxPending it refuses, and settled records stay under maxSettled', () => {
    const r = new IdRemapper({ maxPending: 2, maxSettled: 3 });
    r.outbound('s', req(1));
    r.outbound('s', req(2));
    expect(thrownBy(() => r.outbound('s', req(3)), isTooManyPendingError).limit).toBe(2);
    r.closeSession('s');
    for (let i = 0; i < 10; i++) {
      const out = r.outbound('s', req(i));
      r.inbound(ok(out.id));
    }
    expect(r.pendingCount).toBe(0);
    expect(r.settledCount).toBe(3);
    // The oldest reasons are forgotten, but their replies are still recognised as late.
    expect(r.inbound(ok(1))).toEqual({ kind: 'late', backendId: 1, reason: undefined });
    // The latest three (ids 10–12) keep theirs; the one before them does not.
    for (const id of [10, 11, 12]) {
      expect(r.inbound(ok(id))).toEqual({ kind: 'late', backendId: id, reason: 'completed' });
    }
    expect(r.inbound(ok(9))).toEqual({ kind: 'late', backendId: 9, reason: undefined });
    expect(() => new IdRemapper({ maxPending: 0 })).toThrow(RangeError);
  });

  it('remaps progress tokens both ways and drops progress of settled requests', () => {
    const r = new IdRemapper();
    const a = r.outbound('a', req(1, 'tools/call', { name: 'x', _meta: { progressToken: 'tok', other: 1 } }));
    const b = r.outbound('b', req(1, 'tools/call', { name: 'x', _meta: { progressToken: 'tok' } }));
    const tokenOf = (m: JsonRpcRequest) =>
      (m.params?._meta as Record<string, unknown> | undefined)?.progressToken;
    const aToken = tokenOf(a);
    const bToken = tokenOf(b);
    expect(typeof aToken).toBe('number');
    expect(aToken).not.toBe(bToken);
    expect(a.params?._meta).toEqual({ progressToken: aToken, other: 1 });

    const progress = (token: unknown) => ({
      jsonrpc: '2.0' as const,
      method: 'notifications/progress',
      params: { progressToken: token, progress: 1, total: 2 },
    });
    const toB = r.progress(progress(bToken));
    expect(toB?.origin.sessionKey).toBe('b');
    expect(toB?.message).toEqual(progress('tok'));
    expect(JSONRPCMessageSchema.safeParse(toB?.message).success).toBe(true);
    expect(r.progress(progress(aToken))?.origin.sessionKey).toBe('a');

    r.inbound(ok(a.id));
    expect(r.progress(progress(aToken))).toBeUndefined();
    expect(r.progress(progress('tok'))).toBeUndefined();
  });

  it('gives no progress to a request that asked for none, and strips an invalid token', () => {
    const r = new IdRemapper();
    const plain = r.outbound('s', req(1, 'tools/call', { name: 'x' }));
    expect(
      r.progress({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: plain.id, progress: 1 },
      }),
    ).toBeUndefined();
    const odd = r.outbound(
      's',
      req(2, 'tools/call', { name: 'x', _meta: { progressToken: { no: 1 }, keep: true } }),
    );
    expect(odd.params?._meta).toEqual({ keep: true });
  });
});
