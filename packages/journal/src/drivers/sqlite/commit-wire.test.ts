import { describe, expect, it } from 'vitest';
import { packBatch, unpackBatch } from './commit-wire.ts';
import type { AuditOp, Op } from './ops.ts';

const audit = (i: number, more: Partial<AuditOp['record']> = {}, bodies = true): AuditOp => ({
  kind: 'audit',
  record: {
    time: 1_765_000_000_000 + i,
    sessionId: `s-${i}`,
    principal: i % 2 ? null : 'alice',
    backend: 'fs',
    worker: 'fs#1',
    method: 'tools/call',
    name: 'fs__read',
    durationMs: 0.25 * i,
    outcome: 'ok',
    error: null,
    clientId: null,
    decision: 'allowed',
    rule: null,
    ...more,
  },
  request: bodies ? `{"jsonrpc":"2.0","id":${i},"method":"tools/call"}` : null,
  response: bodies ? 'héllo \u2028 "quoted" \\ \ud800 lone' : null,
});

describe('packBatch / unpackBatch', () => {
  it('gives back the same ops in the same order, audit records among the others', () => {
    const batch: Op[] = [
      audit(1),
      { kind: 'session-delete', id: 'gone' },
      audit(2, { outcome: 'error', error: 'boom', decision: null, rule: 'r1', clientId: 'c' }, false),
      { kind: 'event', streamId: 'st', sessionId: null, seq: 3, time: 5, data: '{}' },
      audit(3, { sessionId: null, principal: null, backend: null, worker: null, name: null }),
    ];
    const wire = packBatch(batch);
    expect(wire.ops.filter((o) => o === null)).toHaveLength(3);
    expect(unpackBatch(structuredClone(wire))).toEqual(batch);
  });

  it('sends no audit text for a batch without audit records', () => {
    const batch: Op[] = [{ kind: 'session-delete', id: 'x' }];
    const wire = packBatch(batch);
    expect(wire.audits).toBe('');
    expect(unpackBatch(wire)).toEqual(batch);
  });

  it('keeps every audit field exactly, bodies with any characters included', () => {
    const batch = Array.from({ length: 40 }, (_, i) => audit(i));
    const back = unpackBatch(structuredClone(packBatch(batch))) as AuditOp[];
    expect(back).toEqual(batch);
    expect(back[7]!.response).toBe(batch[7]!.response);
  });
});
