import { describe, expect, it } from 'vitest';
import { auditPayload } from './audit-payload.ts';

describe('auditPayload', () => {
  it('keeps a message as JSON text within the bound', () => {
    const m = { jsonrpc: '2.0', id: 1, result: { ok: true } };
    expect(auditPayload(m, 1000)).toBe(JSON.stringify(m));
    expect(auditPayload(undefined, 1000)).toBeNull();
  });

  it('cuts a longer one at the bound and says how long it was', () => {
    const m = { text: 'x'.repeat(100) };
    const text = JSON.stringify(m);
    expect(auditPayload(m, 20)).toBe(`${text.slice(0, 20)}…[truncated: ${text.length} chars in all]`);
  });

  it('gives null for what cannot be serialised', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(auditPayload(loop, 1000)).toBeNull();
  });
});
