import type { AuditInput } from '@switchyard/journal';
import { describe, expect, it } from 'vitest';
import type { JsonRpcRequest } from '../jsonrpc/types.ts';
import { AuditTrail } from './audit-trail.ts';

const session = { id: 's1', principal: 'alice' };
const request: JsonRpcRequest = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo' } };

function trail(payloadChars?: number) {
  let clock = 1_000;
  const told: AuditInput[] = [];
  const written: AuditInput[] = [];
  const t = new AuditTrail({
    now: () => clock,
    onAudit: (e) => told.push(e),
    write: (e) => written.push(e),
    ...(payloadChars !== undefined && { payloadChars }),
  });
  return { t, told, written, advance: (ms: number) => (clock += ms) };
}

describe('AuditTrail', () => {
  it('records a request’s end with its duration, and its error answer’s message', () => {
    const { t, told, written, advance } = trail();
    advance(25);
    const response = { jsonrpc: '2.0' as const, id: 7, error: { code: -32602, message: 'bad name' } };
    t.record({
      session,
      method: 'tools/call',
      name: 'echo',
      backend: 'b',
      started: 1_000,
      outcome: 'error',
      response,
    });
    expect(told).toEqual([
      {
        time: 1_000,
        sessionId: 's1',
        principal: 'alice',
        backend: 'b',
        worker: null,
        method: 'tools/call',
        name: 'echo',
        durationMs: 25,
        outcome: 'error',
        error: 'bad name',
        clientId: null,
        decision: null,
        rule: null,
      },
    ]);
    // Without payloadChars the journal gets the same entry, no text.
    expect(written).toEqual(told);
  });

  it('says what was noted of the request: its caller, then the policy’s decision', () => {
    const { t, told } = trail();
    t.noteCaller(request, 'ci');
    t.noteDecision(request, 'denied', 'rule-3');
    t.record({
      session,
      method: 'tools/call',
      name: 'echo',
      backend: null,
      started: 1_000,
      outcome: 'rejected',
      request,
    });
    expect(told[0]).toMatchObject({ clientId: 'ci', decision: 'denied', rule: 'rule-3' });
    // A caller noted again starts afresh (one request, one subject).
    t.noteCaller(request, 'other');
    t.record({
      session,
      method: 'tools/call',
      name: 'echo',
      backend: null,
      started: 1_000,
      outcome: 'ok',
      request,
    });
    expect(told[1]).toMatchObject({ clientId: 'other', decision: null, rule: null });
  });

  it('keeps the messages’ text for the journal only, cut at the bound', () => {
    const { t, told, written } = trail(10);
    const response = { jsonrpc: '2.0' as const, id: 7, result: { ok: true } };
    t.record({
      session,
      method: 'tools/call',
      name: 'echo',
      backend: 'b',
      started: 1_000,
      outcome: 'ok',
      response,
      request,
      error: 'x',
    });
    expect(told[0]).not.toHaveProperty('request');
    expect(told[0]?.error).toBe('x');
    expect(written[0]?.request).toMatch(/^.{10}…\[truncated: \d+ chars in all\]$/);
    expect(written[0]?.response).toMatch(/^.{10}…\[truncated/);
  });
});
