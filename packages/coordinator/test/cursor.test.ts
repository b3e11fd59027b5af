import { CursorSchema, JSONRPCErrorResponseSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../src/base64url.ts';
import {
  CursorCodec,
  errorResponse,
  INVALID_PARAMS,
  InvalidCursorError,
  type InvalidCursorReason,
  isInvalidCursorError,
  nextCursorPosition,
} from '../src/index.ts';
import { thrownBy } from './helpers.ts';

const backends = ['github', 'fs', 'web'];
const codec = new CursorCodec({ key: 'test-key' });

const refusal = (fn: () => unknown): InvalidCursorError => thrownBy(fn, isInvalidCursorError);

function expectReason(cursor: string, reason: InvalidCursorReason, c = codec, list = 'tools/list') {
  const e = refusal(() => c.decode(cursor, list, backends));
  expect(e.reason).toBe(reason);
  expect(e.toJsonRpcError().code).toBe(INVALID_PARAMS);
  expect(e.message).toMatch(/^Invalid cursor: /);
  return e;
}

describe('base64url', () => {
  it('round-trips every length and refuses what no encoder produces', () => {
    for (let n = 0; n < 20; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const text = encodeBase64Url(bytes);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(decodeBase64Url(text)).toEqual(bytes);
    }
    expect(encodeBase64Url(Uint8Array.from([0xfb, 0xff]))).toBe('-_8');
    expect(decodeBase64Url('A')).toBeUndefined();
    expect(decodeBase64Url('AB=')).toBeUndefined();
    expect(decodeBase64Url('A+B/')).toBeUndefined();
    // 'AB' is one byte (0x00) with 4 spare bits; 'AF' has them set.
    expect(decodeBase64Url('AB')).toBeUndefined();
    expect(decodeBase64Url('AA')).toEqual(Uint8Array.from([0]));
  });
});

describe('CursorCodec', () => {
  it('round-trips a position, with and without a backend cursor, also with non-ASCII text', () => {
    for (const position of [
      { list: 'tools/list', backendIndex: 1, backend: 'fs', cursor: 'page=2' },
      { list: 'tools/list', backendIndex: 0, backend: 'github' },
      { list: 'tools/list', backendIndex: 2, backend: 'web', cursor: 'ü€😀"\\\u007f' },
    ]) {
      const cursor = codec.encode(position);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(CursorSchema.safeParse(cursor).success).toBe(true);
      expect(codec.decode(cursor, 'tools/list', backends)).toEqual(position);
    }
  });

  it('hides what it holds (no backend name or cursor in plain sight)', () => {
    const cursor = codec.encode({ list: 'tools/list', backendIndex: 0, backend: 'github', cursor: 'secret' });
    expect(cursor).not.toContain('github');
    expect(cursor).not.toContain('secret');
  });

  it('refuses garbage, empty and overlong cursors as malformed', () => {
    expectReason('', 'malformed');
    expectReason('not base64!', 'malformed');
    expectReason('AAAA', 'malformed');
    expectReason('A'.repeat(20_000), 'malformed');
  });

  it('refuses a tampered cursor: every single changed character is caught', () => {
    const cursor = codec.encode({ list: 'tools/list', backendIndex: 1, backend: 'fs', cursor: 'p2' });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < cursor.length; i++) {
      const swapped = alphabet[(alphabet.indexOf(cursor[i]!) + 1) % 64]!;
      const tampered = cursor.slice(0, i) + swapped + cursor.slice(i + 1);
      expect(() => codec.decode(tampered, 'tools/list', backends), `position ${i}`).toThrow(
        InvalidCursorError,
      );
    }
  });

  it('refuses an edited body whose checksum no longer fits', () => {
    const bytes = decodeBase64Url(codec.encode({ list: 'tools/list', backendIndex: 1, backend: 'fs' }))!;
    const body = new TextDecoder().decode(bytes.subarray(5)).replace('1', '0');
    const edited = new Uint8Array([...bytes.subarray(0, 5), ...new TextEncoder().encode(body)]);
    expectReason(encodeBase64Url(edited), 'checksum');
  });

  it('refuses a cursor issued under another key', () => {
    const other = new CursorCodec({ key: 'other-key' });
    expectReason(other.encode({ list: 'tools/list', backendIndex: 0, backend: 'github' }), 'checksum');
  });

  it('refuses another version', () => {
    const bytes = decodeBase64Url(codec.encode({ list: 'tools/list', backendIndex: 0, backend: 'github' }))!;
    bytes[0] = 2;
    expectReason(encodeBase64Url(bytes), 'version');
  });

  it('refuses a cursor of another list', () => {
    const cursor = codec.encode({ list: 'prompts/list', backendIndex: 0, backend: 'github' });
    const e = expectReason(cursor, 'list');
    expect(e.message).toContain('prompts/list');
  });

  it('refuses a cursor issued before the backends changed', () => {
    const cursor = codec.encode({ list: 'tools/list', backendIndex: 1, backend: 'old-fs' });
    expectReason(cursor, 'backend');
    const beyond = codec.encode({ list: 'tools/list', backendIndex: 7, backend: 'web' });
    expectReason(beyond, 'backend');
  });

  it('gives a -32602 error response the SDK accepts', () => {
    const e = refusal(() => codec.decode('nope', 'tools/list', backends));
    const response = errorResponse(12, e.toJsonRpcError());
    expect(JSONRPCErrorResponseSchema.safeParse(response).success).toBe(true);
    expect(response.error).toEqual({ code: -32602, message: e.message, data: { reason: 'malformed' } });
  });
});

describe('nextCursorPosition', () => {
  it('walks a backend page by page, then the next backend, then ends', () => {
    const start = { list: 'resources/list', backendIndex: 0 };
    expect(nextCursorPosition(start, backends, 'c2')).toEqual({
      list: 'resources/list',
      backendIndex: 0,
      backend: 'github',
      cursor: 'c2',
    });
    expect(nextCursorPosition(start, backends, undefined)).toEqual({
      list: 'resources/list',
      backendIndex: 1,
      backend: 'fs',
    });
    expect(
      nextCursorPosition({ list: 'resources/list', backendIndex: 2 }, backends, undefined),
    ).toBeUndefined();
  });
});
