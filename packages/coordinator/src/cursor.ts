/**
 * Opaque pagination cursors for merged lists.
 *
 * A merged list is walked one backend at a time, in configuration order, passing each backend's
 * own cursor through: the gateway's cursor says which backend the walk is at and that backend's
 * cursor for its next page. A client sees one base64url string:
 *
 *     base64url( version byte (1) | checksum (4 bytes, big-endian) | body )
 *     body = ASCII JSON [list, backendIndex, backendName, backendCursor | null]
 *
 * `list` is the method (`tools/list`, `resources/list`, …) so a cursor of one list is refused by
 * another; `backendName` beside the index makes a cursor issued before the backends changed fail
 * instead of silently continuing at the wrong backend.
 *
 * Decision — integrity is a keyed checksum, not an HMAC: without a crypto API the core stays
 * runtime-free. The checksum (FNV-1a, 32 bits, over the key and the bytes) catches corruption,
 * truncation and hand-editing, and with a per-deployment `key` a cursor cannot be forged without
 * knowing it; it is not proof against someone who does. Nothing depends on it for safety: a cursor
 * only chooses among backends the client may list anyway, and each backend validates its own
 * cursor. Every bad cursor raises `InvalidCursorError` (-32602, as the spec's pagination page asks).
 */
import { z } from 'zod';
import { decodeBase64Url, encodeBase64Url } from './base64url.ts';
import { InvalidCursorError } from './errors.ts';

export const CURSOR_VERSION = 1;
/** Longer cursors are refused before any decoding. */
export const MAX_CURSOR_LENGTH = 16 * 1024;

/** Where a walk through a merged list stands. */
export interface CursorPosition {
  /** The list method, e.g. `tools/list`. */
  list: string;
  backendIndex: number;
  backend: string;
  /** The backend's own cursor for its next page; absent for its first page. */
  cursor?: string;
}

export interface CursorCodecOptions {
  /** Mixed into the checksum; give each deployment its own. Default `switchyard`. */
  key?: string;
}

const BodySchema = z.tuple([z.string(), z.number().int().nonnegative(), z.string(), z.string().nullable()]);

function fnv1a(key: string, bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  const mix = (b: number) => {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    mix(c & 0xff);
    mix(c >>> 8);
  }
  mix(0);
  for (const b of bytes) mix(b);
  return h;
}

/** JSON with every non-ASCII character escaped, so one char is one byte. */
function asciiJson(value: unknown): Uint8Array {
  const text = JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

export class CursorCodec {
  private readonly key: string;

  constructor(options: CursorCodecOptions = {}) {
    this.key = options.key ?? 'switchyard';
  }

  encode(position: CursorPosition): string {
    const body = asciiJson([position.list, position.backendIndex, position.backend, position.cursor ?? null]);
    const bytes = new Uint8Array(5 + body.length);
    bytes[0] = CURSOR_VERSION;
    new DataView(bytes.buffer).setUint32(1, fnv1a(this.key, body));
    bytes.set(body, 5);
    return encodeBase64Url(bytes);
  }

  /**
   * Reads a client's cursor for `list`, whose backends are `backends` (names, in order). Throws
   * `InvalidCursorError` for anything this gateway did not issue for this list and these backends.
   */
  decode(cursor: string, list: string, backends: readonly string[]): CursorPosition {
    if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) {
      throw new InvalidCursorError('malformed', 'it is empty or too long to be one this gateway issued');
    }
    const bytes = decodeBase64Url(cursor);
    if (!bytes || bytes.length < 6)
      throw new InvalidCursorError('malformed', 'it is not one this gateway issued');
    if (bytes[0] !== CURSOR_VERSION) {
      throw new InvalidCursorError(
        'version',
        `it has version ${bytes[0]}, this gateway reads ${CURSOR_VERSION}; list again from the start`,
      );
    }
    const body = bytes.subarray(5);
    if (new DataView(bytes.buffer).getUint32(1) !== fnv1a(this.key, body)) {
      throw new InvalidCursorError('checksum', 'it was altered or issued by another gateway');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(String.fromCharCode(...body));
    } catch {
      parsed = undefined;
    }
    const shape = BodySchema.safeParse(parsed);
    if (!shape.success) throw new InvalidCursorError('malformed', 'its contents are not a cursor');
    const [cursorList, backendIndex, backend, backendCursor] = shape.data;
    if (cursorList !== list) {
      throw new InvalidCursorError('list', `it belongs to ${cursorList}, not ${list}`);
    }
    if (backends[backendIndex] !== backend) {
      throw new InvalidCursorError(
        'backend',
        'the backends behind this list changed since it was issued; list again from the start',
      );
    }
    return backendCursor === null
      ? { list, backendIndex, backend }
      : { list, backendIndex, backend, cursor: backendCursor };
  }
}

/**
 * Where the walk goes after a page of `current.backend` that ended with `backendNextCursor`: the
 * same backend's next page, else the next backend's first, else nowhere (`undefined`: the list ends).
 */
export function nextCursorPosition(
  current: Pick<CursorPosition, 'list' | 'backendIndex'>,
  backends: readonly string[],
  backendNextCursor: string | undefined,
): CursorPosition | undefined {
  if (backendNextCursor !== undefined) {
    return {
      list: current.list,
      backendIndex: current.backendIndex,
      backend: backends[current.backendIndex]!,
      cursor: backendNextCursor,
    };
  }
  const next = current.backendIndex + 1;
  return next < backends.length
    ? { list: current.list, backendIndex: next, backend: backends[next]! }
    : undefined;
}
