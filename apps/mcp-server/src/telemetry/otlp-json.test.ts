import { describe, expect, it } from 'vitest';
import { attributesJson } from './otlp-json.ts';

describe('attributesJson', () => {
  it('writes repeated and ever-new string values alike (past the cache of a key’s values)', () => {
    for (let i = 0; i < 300; i++) {
      const attributes = { 'jsonrpc.request.id': `"id" ${i}\n`, 'mcp.method.name': 'tools/call', n: i };
      expect(JSON.parse(attributesJson(attributes))).toEqual([
        { key: 'jsonrpc.request.id', value: { stringValue: `"id" ${i}\n` } },
        { key: 'mcp.method.name', value: { stringValue: 'tools/call' } },
        { key: 'n', value: { intValue: i } },
      ]);
    }
  });
});
