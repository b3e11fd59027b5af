import { JSONRPCErrorResponseSchema, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  internalError,
  isInvalidConfigError,
  METHOD_NOT_FOUND,
  type MessageEntry,
  MessageParser,
  methodNotFound,
  PARSE_ERROR,
  type ParseOutcome,
  RESOURCE_NOT_FOUND,
  resultResponse,
  URL_ELICITATION_REQUIRED,
  utf8ByteLength,
  validateParams,
} from '../src/index.ts';
import { thrownBy } from './helpers.ts';

const parser = new MessageParser();

function single(outcome: ParseOutcome): MessageEntry {
  if (outcome.kind !== 'single') throw new Error(`expected a single message, got ${outcome.kind}`);
  return outcome.entry;
}

function invalidOf(text: string, p = parser) {
  const entry = single(p.parse(text));
  if (entry.kind !== 'invalid') throw new Error(`expected invalid, got ${entry.kind}`);
  expect(JSONRPCErrorResponseSchema.safeParse(entry.error).success).toBe(true);
  return entry;
}

describe('error codes', () => {
  it('are the JSON-RPC and MCP 2025-11-25 values', () => {
    expect([PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR]).toEqual([
      -32700, -32600, -32601, -32602, -32603,
    ]);
    expect(RESOURCE_NOT_FOUND).toBe(-32002);
    expect(URL_ELICITATION_REQUIRED).toBe(-32042);
  });
});

describe('MessageParser: valid messages', () => {
  it('classifies a request, a notification and both kinds of response, each accepted by the SDK', () => {
    const cases: [string, MessageEntry['kind']][] = [
      ['{"jsonrpc":"2.0","id":1,"method":"tools/list"}', 'request'],
      ['{"jsonrpc":"2.0","id":"a-1","method":"tools/call","params":{"name":"x","arguments":{}}}', 'request'],
      ['{"jsonrpc":"2.0","method":"notifications/initialized"}', 'notification'],
      ['{"jsonrpc":"2.0","id":7,"result":{}}', 'response'],
      ['{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"nope","data":{"x":1}}}', 'response'],
    ];
    for (const [text, kind] of cases) {
      const entry = single(parser.parse(text));
      expect(entry.kind).toBe(kind);
      if (entry.kind === 'invalid') throw new Error('unreachable');
      expect(JSONRPCMessageSchema.safeParse(entry.message).success).toBe(true);
    }
  });

  it('drops members JSON-RPC does not define, so the SDK strict schemas accept the output', () => {
    const entry = single(parser.parse('{"jsonrpc":"2.0","id":1,"method":"ping","extra":true}'));
    expect(entry).toEqual({ kind: 'request', message: { jsonrpc: '2.0', id: 1, method: 'ping' } });
  });

  it('reads an error response whose id is null (JSON-RPC 2.0 style) as one without id', () => {
    const entry = single(parser.parse('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}'));
    expect(entry).toEqual({
      kind: 'response',
      message: { jsonrpc: '2.0', error: { code: -32700, message: 'bad' } },
    });
  });

  it('classifies an already parsed value the same way', () => {
    expect(parser.classify({ jsonrpc: '2.0', id: 3, method: 'ping' })).toEqual({
      kind: 'single',
      entry: { kind: 'request', message: { jsonrpc: '2.0', id: 3, method: 'ping' } },
    });
  });
});

describe('MessageParser: malformed input', () => {
  it('answers text that is not JSON with -32700 and no id', () => {
    const outcome = parser.parse('{"jsonrpc":"2.0","id":1,');
    expect(outcome.kind).toBe('rejected');
    if (outcome.kind !== 'rejected') return;
    expect(outcome.error.error.code).toBe(PARSE_ERROR);
    expect(outcome.error).not.toHaveProperty('id');
    expect(JSONRPCErrorResponseSchema.safeParse(outcome.error).success).toBe(true);
  });

  it('refuses a wrong or missing jsonrpc version with -32600, echoing a readable id', () => {
    const wrong = invalidOf('{"jsonrpc":"1.0","id":5,"method":"ping"}');
    expect(wrong.error.error.code).toBe(INVALID_REQUEST);
    expect(wrong.error.id).toBe(5);
    expect(wrong.error.error.message).toContain('"jsonrpc" must be "2.0"');
    expect(wrong.reply).toBe(true);
    const missing = invalidOf('{"id":5,"method":"ping"}');
    expect(missing.error.error.code).toBe(INVALID_REQUEST);
    expect(missing.error.error.message).toContain('"jsonrpc" is missing');
  });

  it('refuses a null id on a request with -32600 (MCP forbids null ids)', () => {
    const e = invalidOf('{"jsonrpc":"2.0","id":null,"method":"tools/list"}');
    expect(e.error.error.code).toBe(INVALID_REQUEST);
    expect(e.error.error.message).toContain('must not be null');
    expect(e.error).not.toHaveProperty('id');
  });

  it('refuses ids of the wrong type: fractional, boolean, object', () => {
    for (const id of ['1.5', 'true', '{"a":1}', '[1]']) {
      const e = invalidOf(`{"jsonrpc":"2.0","id":${id},"method":"ping"}`);
      expect(e.error.error.code).toBe(INVALID_REQUEST);
      expect(e.error.error.message).toContain('"id" must be a string or an integer');
    }
  });

  it('treats a message without id as a notification, and one with a bad method as -32600', () => {
    expect(single(parser.parse('{"jsonrpc":"2.0","method":"notifications/progress"}')).kind).toBe(
      'notification',
    );
    for (const method of ['1', '""', 'null']) {
      expect(invalidOf(`{"jsonrpc":"2.0","id":1,"method":${method}}`).error.error.code).toBe(INVALID_REQUEST);
    }
  });

  it('refuses non-objects and objects that are neither call nor response', () => {
    for (const text of ['42', '"hi"', 'null', '{"jsonrpc":"2.0","id":1}']) {
      const e = invalidOf(text);
      expect(e.error.error.code).toBe(INVALID_REQUEST);
      expect(e.reply).toBe(true);
    }
  });

  it('refuses a message carrying both method and result', () => {
    expect(invalidOf('{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}').error.error.code).toBe(
      INVALID_REQUEST,
    );
  });

  it('answers positional (array) params with -32602 and scalar params with -32600', () => {
    const positional = invalidOf('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":[1,2]}');
    expect(positional.error.error.code).toBe(INVALID_PARAMS);
    expect(positional.error.id).toBe(2);
    const scalar = invalidOf('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":"x"}');
    expect(scalar.error.error.code).toBe(INVALID_REQUEST);
  });

  it('never asks to answer a malformed response', () => {
    for (const text of [
      '{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}',
      '{"jsonrpc":"2.0","id":null,"result":{}}',
      '{"jsonrpc":"2.0","id":1,"result":5}',
      '{"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}}',
      '{"jsonrpc":"2.0","id":1.5,"error":{"code":1,"message":"m"}}',
      '{"jsonrpc":"1.0","id":1,"result":{}}',
    ]) {
      const e = invalidOf(text);
      expect(e.reply).toBe(false);
      expect(e.error.error.code).toBe(INVALID_REQUEST);
    }
  });
});

describe('MessageParser: oversized params', () => {
  const small = new MessageParser({ maxParamsBytes: 64 });

  it('answers a request whose params pass the byte limit with -32602, its id, and the sizes', () => {
    const text = JSON.stringify({
      jsonrpc: '2.0',
      id: 9,
      method: 'tools/call',
      params: { name: 'x'.repeat(100) },
    });
    const e = invalidOf(text, small);
    expect(e.error.error.code).toBe(INVALID_PARAMS);
    expect(e.error.id).toBe(9);
    expect(e.error.error.data).toEqual({ limit: 64, size: 111 });
    expect(e.reply).toBe(true);
  });

  it('counts bytes, not characters', () => {
    // 20 three-byte characters: 20 code units but 60 bytes, plus {"n":""} = 68 > 64.
    const e = invalidOf(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'x', params: { n: '€'.repeat(20) } }),
      small,
    );
    expect(e.error.error.code).toBe(INVALID_PARAMS);
    expect(utf8ByteLength('€')).toBe(3);
    expect(utf8ByteLength('😀')).toBe(4);
    expect(utf8ByteLength('a\u00e9')).toBe(3);
    expect(utf8ByteLength('\ud800x')).toBe(4);
  });

  it('accepts params exactly at the limit and drops an oversized notification without a reply', () => {
    const atLimit = { jsonrpc: '2.0', id: 1, method: 'x', params: { n: 'y'.repeat(56) } };
    expect(utf8ByteLength(JSON.stringify(atLimit.params))).toBe(64);
    expect(single(small.parse(JSON.stringify(atLimit))).kind).toBe('request');
    const e = invalidOf(
      JSON.stringify({ jsonrpc: '2.0', method: 'x', params: { n: 'y'.repeat(57) } }),
      small,
    );
    expect(e.reply).toBe(false);
    expect(e.error.error.code).toBe(INVALID_PARAMS);
  });

  it('measures an already parsed value too', () => {
    const outcome = small.classify({ jsonrpc: '2.0', id: 1, method: 'x', params: { n: 'y'.repeat(57) } });
    expect(outcome.kind === 'single' && outcome.entry.kind).toBe('invalid');
  });
});

describe('MessageParser: batches', () => {
  const batching = new MessageParser({ allowBatch: true, maxBatchLength: 3 });

  it('refuses a batch when batches are off (every revision after 2025-03-26)', () => {
    const outcome = parser.parse('[{"jsonrpc":"2.0","id":1,"method":"ping"}]');
    expect(outcome.kind === 'rejected' && outcome.error.error.code).toBe(INVALID_REQUEST);
  });

  it('refuses an empty batch and one that is too long with -32600', () => {
    const empty = batching.parse('[]');
    expect(empty.kind === 'rejected' && empty.error.error.message).toContain('empty');
    const long = batching.parse(JSON.stringify(Array(4).fill({ jsonrpc: '2.0', method: 'x' })));
    expect(long.kind === 'rejected' && long.error.error.code).toBe(INVALID_REQUEST);
  });

  it('classifies each entry of a batch, bad ones with their own errors', () => {
    const outcome = batching.parse(
      '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"n"},1]',
    );
    expect(outcome.kind).toBe('batch');
    if (outcome.kind !== 'batch') return;
    expect(outcome.entries.map((e) => e.kind)).toEqual(['request', 'notification', 'invalid']);
    const bad = outcome.entries[2]!;
    expect(bad.kind === 'invalid' && bad.error.error.code).toBe(INVALID_REQUEST);
  });

  it('refuses a batch that mixes requests and responses', () => {
    const outcome = batching.parse(
      '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"result":{}}]',
    );
    expect(outcome.kind === 'rejected' && outcome.error.error.message).toContain('not both');
  });

  it('refuses nonsense options with InvalidConfigError', () => {
    expect(() => new MessageParser({ maxBatchLength: 0 })).toThrowError(/maxBatchLength/);
    expect(thrownBy(() => new MessageParser({ maxParamsBytes: -1 }), isInvalidConfigError).field).toBe(
      'message parser options',
    );
  });
});

describe('error response builders', () => {
  it('build responses the SDK accepts', () => {
    for (const r of [methodNotFound(3, 'foo/bar'), internalError(undefined, 'boom')]) {
      expect(JSONRPCErrorResponseSchema.safeParse(r).success).toBe(true);
    }
    expect(methodNotFound(3, 'foo/bar')).toEqual({
      jsonrpc: '2.0',
      id: 3,
      error: { code: METHOD_NOT_FOUND, message: 'Method not found: foo/bar', data: { method: 'foo/bar' } },
    });
    expect(JSONRPCMessageSchema.safeParse(resultResponse('x', { tools: [] })).success).toBe(true);
  });
});

describe('validateParams', () => {
  const CallTool = z.object({ name: z.string(), arguments: z.record(z.string(), z.unknown()).optional() });

  it('returns the parsed params when they fit', () => {
    const r = validateParams({ id: 1, method: 'tools/call', params: { name: 'x' } }, CallTool);
    expect(r).toEqual({ ok: true, params: { name: 'x' } });
  });

  it('answers params that do not fit with -32602 naming each path', () => {
    const Nested = z.object({
      name: z.string(),
      arguments: z.object({ items: z.array(z.object({ id: z.number() })) }),
    });
    const r = validateParams(
      { id: 4, method: 'tools/call', params: { name: 5, arguments: { items: [{ id: 1 }, { id: 'b' }] } } },
      Nested,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.id).toBe(4);
    expect(r.error.error.code).toBe(INVALID_PARAMS);
    expect(r.error.error.message).toMatch(
      /^Invalid params: tools\/call: name: .*expected string.*; arguments\.items\[1\]\.id: /,
    );
    expect(r.error.error.data).toEqual({
      issues: [
        { path: 'name', message: expect.stringContaining('expected string') },
        { path: 'arguments.items[1].id', message: expect.stringContaining('expected number') },
      ],
    });
    expect(JSONRPCErrorResponseSchema.safeParse(r.error).success).toBe(true);
  });

  it('treats absent params as {} and quotes odd keys', () => {
    const r = validateParams({ method: 'x' }, z.object({ 'odd key': z.string() }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).not.toHaveProperty('id');
    expect(r.error.error.message).toContain('["odd key"]');
  });
});
