import { describe, expect, it } from 'vitest';
import type { JsonRpcNotification, JsonRpcRequest } from '../../jsonrpc/types.ts';
import { HEADER_MISMATCH } from './codes.ts';
import {
  decodeHeaderValue,
  type HeaderGetter,
  NAME_HEADER_SOURCES,
  validateStandardHeaders,
} from './headers.ts';
import { CLIENT_CAPABILITIES_META_KEY, PROTOCOL_VERSION_META_KEY } from './meta-keys.ts';

/** A case-insensitive getter over plain pairs, as `Headers.get` looks names up. */
function headers(pairs: { [name: string]: string }): HeaderGetter {
  const map = new Map(Object.entries(pairs).map(([k, v]) => [k.toLowerCase(), v]));
  return (name) => map.get(name.toLowerCase()) ?? null;
}

const meta = { [PROTOCOL_VERSION_META_KEY]: '2026-07-28', [CLIENT_CAPABILITIES_META_KEY]: {} };
const request = (method: string, params: object = {}): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id: 9,
  method,
  params: { ...params, _meta: meta },
});
const base64 = (text: string) => `=?base64?${btoa(String.fromCharCode(...new TextEncoder().encode(text)))}?=`;

function failure(check: ReturnType<typeof validateStandardHeaders>) {
  if (check.ok) throw new Error('expected the headers to be refused');
  expect(check.rejection.httpStatus).toBe(400);
  expect(check.rejection.response.error.code).toBe(HEADER_MISMATCH);
  return check.rejection.response;
}

describe('decodeHeaderValue', () => {
  it('keeps plain values, trimming surrounding whitespace', () => {
    expect(decodeHeaderValue('get_weather')).toBe('get_weather');
    expect(decodeHeaderValue(' \tfile:///a b.txt ')).toBe('file:///a b.txt');
  });

  it('decodes the Base64 sentinel (the spec’s own examples)', () => {
    expect(decodeHeaderValue('=?base64?SGVsbG8sIOS4lueVjA==?=')).toBe('Hello, 世界');
    expect(decodeHeaderValue('=?base64?IHBhZGRlZCA=?=')).toBe(' padded ');
    expect(decodeHeaderValue('=?base64?bGluZTEKbGluZTI=?=')).toBe('line1\nline2');
    expect(decodeHeaderValue('=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=')).toBe('=?base64?literal?=');
  });

  it('refuses bad Base64, non-canonical padding bits, invalid UTF-8 and invalid characters', () => {
    for (const bad of [
      '=?base64?not base64?=',
      '=?base64?QR==?=', // spare bits set
      '=?base64?QQ?=', // padding missing
      `=?base64?${btoa('\xff\xfe')}?=`, // not UTF-8
      '=?base64?=',
      'caf\u00e9',
      'a\nb',
      'a\u0000b',
    ]) {
      expect(decodeHeaderValue(bad), bad).toBeUndefined();
    }
    expect(decodeHeaderValue('=?BASE64?QQ==?=')).toBe('=?BASE64?QQ==?='); // markers are case-sensitive
  });
});

describe('validateStandardHeaders', () => {
  it('needs Mcp-Name on exactly tools/call, prompts/get (params.name), resources/read (params.uri) and the task methods (params.taskId)', () => {
    expect([...NAME_HEADER_SOURCES]).toEqual([
      ['tools/call', 'name'],
      ['prompts/get', 'name'],
      ['resources/read', 'uri'],
      ['tasks/get', 'taskId'],
      ['tasks/update', 'taskId'],
      ['tasks/cancel', 'taskId'],
    ]);
  });

  it('accepts matching headers, in any case of header name', () => {
    const call = request('tools/call', { name: 'get_weather', arguments: {} });
    expect(
      validateStandardHeaders(
        headers({
          'mcp-protocol-version': '2026-07-28',
          'MCP-METHOD': 'tools/call',
          'mcp-name': 'get_weather',
        }),
        call,
      ),
    ).toEqual({ ok: true });
    const read = request('resources/read', { uri: 'file:///projects/myapp/config.json' });
    expect(
      validateStandardHeaders(
        headers({
          'MCP-Protocol-Version': '2026-07-28',
          'Mcp-Method': 'resources/read',
          'Mcp-Name': 'file:///projects/myapp/config.json',
        }),
        read,
      ),
    ).toEqual({ ok: true });
    const list = request('tools/list');
    expect(
      validateStandardHeaders(
        headers({ 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/list' }),
        list,
      ),
    ).toEqual({ ok: true });
  });

  it('compares a Base64-encoded Mcp-Name after decoding it', () => {
    const get = request('prompts/get', { name: 'résumé' });
    const ok = headers({
      'MCP-Protocol-Version': '2026-07-28',
      'Mcp-Method': 'prompts/get',
      'Mcp-Name': base64('résumé'),
    });
    expect(validateStandardHeaders(ok, get)).toEqual({ ok: true });
    const wrong = headers({
      'MCP-Protocol-Version': '2026-07-28',
      'Mcp-Method': 'prompts/get',
      'Mcp-Name': base64('resume'),
    });
    expect(failure(validateStandardHeaders(wrong, get)).error.data).toEqual({
      header: 'Mcp-Name',
      problem: 'mismatch',
    });
  });

  it('answers the first missing header in the spec’s order, with the request id', () => {
    const call = request('tools/call', { name: 'x' });
    const noVersion = failure(
      validateStandardHeaders(headers({ 'Mcp-Method': 'tools/call', 'Mcp-Name': 'x' }), call),
    );
    expect(noVersion.id).toBe(9);
    expect(noVersion.error.data).toEqual({ header: 'MCP-Protocol-Version', problem: 'missing' });
    expect(failure(validateStandardHeaders(headers({}), call)).error.data).toMatchObject({
      header: 'MCP-Protocol-Version',
    });
    expect(
      failure(
        validateStandardHeaders(headers({ 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Name': 'x' }), call),
      ).error.data,
    ).toEqual({ header: 'Mcp-Method', problem: 'missing' });
    expect(
      failure(
        validateStandardHeaders(
          headers({ 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call' }),
          call,
        ),
      ).error.data,
    ).toEqual({ header: 'Mcp-Name', problem: 'missing' });
  });

  it('refuses headers that disagree with the body (values are case-sensitive)', () => {
    const call = request('tools/call', { name: 'bar' });
    const h = { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'bar' };
    const cases: [object, string][] = [
      [{ 'Mcp-Name': 'foo' }, 'Mcp-Name'],
      [{ 'Mcp-Name': 'BAR' }, 'Mcp-Name'],
      [{ 'Mcp-Method': 'TOOLS/CALL' }, 'Mcp-Method'],
      [{ 'Mcp-Method': 'tools/list' }, 'Mcp-Method'],
      [{ 'MCP-Protocol-Version': '2025-11-25' }, 'MCP-Protocol-Version'],
    ];
    for (const [change, header] of cases) {
      const response = failure(validateStandardHeaders(headers({ ...h, ...change }), call));
      expect(response.error.data).toEqual({ header, problem: 'mismatch' });
    }
    expect(failure(validateStandardHeaders(headers({ ...h, 'Mcp-Name': 'foo' }), call)).error.message).toBe(
      "Header mismatch: Mcp-Name header value 'foo' does not match body value 'bar'",
    );
  });

  it('refuses invalid header values and an Mcp-Name without a body value', () => {
    const call = request('tools/call', { name: 'bar' });
    const h = { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call' };
    for (const bad of ['b\u00e4r', '=?base64?!!!?=']) {
      expect(failure(validateStandardHeaders(headers({ ...h, 'Mcp-Name': bad }), call)).error.data).toEqual({
        header: 'Mcp-Name',
        problem: 'invalid',
      });
    }
    const nameless = request('tools/call', { name: 42 });
    expect(
      failure(validateStandardHeaders(headers({ ...h, 'Mcp-Name': '42' }), nameless)).error.data,
    ).toEqual({
      header: 'Mcp-Name',
      problem: 'mismatch',
    });
    // No body value and no header: left to params validation (-32602 further on).
    expect(validateStandardHeaders(headers(h), nameless)).toEqual({ ok: true });
  });

  it('ignores Mcp-Name on methods that do not mirror one', () => {
    const list = request('tools/list');
    const h = headers({
      'MCP-Protocol-Version': '2026-07-28',
      'Mcp-Method': 'tools/list',
      'Mcp-Name': 'anything',
    });
    expect(validateStandardHeaders(h, list)).toEqual({ ok: true });
  });

  it('requires nothing of a notification, but refuses one whose headers disagree with it', () => {
    const cancelled: JsonRpcNotification = {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 1 },
    };
    expect(validateStandardHeaders(headers({}), cancelled)).toEqual({ ok: true });
    expect(validateStandardHeaders(headers({ 'MCP-Protocol-Version': '2026-07-28' }), cancelled)).toEqual({
      ok: true,
    });
    const response = failure(validateStandardHeaders(headers({ 'Mcp-Method': 'tools/call' }), cancelled));
    expect(response).not.toHaveProperty('id');
  });
});
