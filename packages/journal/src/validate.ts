/**
 * Checks of every value that comes in from a caller, each failing with a typed error that names
 * the field. Pure.
 */
import { JournalInvalidInputError, JournalPayloadTooLargeError } from './errors.ts';

const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/** Session and stream ids: visible ASCII (as MCP's `Mcp-Session-Id`), 1–256 characters. */
export function assertId(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string')
    throw new JournalInvalidInputError(field, `expected a string, got ${typeOf(value)}`);
  if (value.length === 0 || value.length > 256) {
    throw new JournalInvalidInputError(field, `expected 1–256 characters, got ${value.length}`);
  }
  if (!VISIBLE_ASCII.test(value)) {
    throw new JournalInvalidInputError(
      field,
      `${JSON.stringify(value)} has characters outside visible ASCII`,
    );
  }
}

/** A short label (backend, worker, method, principal …): 1–`max` characters, no control characters. */
export function assertName(field: string, value: unknown, max = 256): asserts value is string {
  if (typeof value !== 'string')
    throw new JournalInvalidInputError(field, `expected a string, got ${typeOf(value)}`);
  if (value.length === 0 || value.length > max) {
    throw new JournalInvalidInputError(field, `expected 1–${max} characters, got ${value.length}`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\x00-\x1f\x7f]/.test(value)) throw new JournalInvalidInputError(field, 'contains control characters');
}

export function optionalName(field: string, value: unknown, max = 256): string | null {
  if (value === undefined || value === null) return null;
  assertName(field, value, max);
  return value;
}

/** A time in milliseconds, or a duration: a finite number ≥ 0. */
export function assertMillis(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new JournalInvalidInputError(field, `expected a finite number ≥ 0, got ${String(value)}`);
  }
}

/** A count or limit: an integer ≥ `min`. */
export function assertCount(field: string, value: unknown, min = 1): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new JournalInvalidInputError(field, `expected an integer ≥ ${min}, got ${String(value)}`);
  }
}

/**
 * A payload string no larger than `limit` bytes of UTF-8. Cheap for the usual case: a string's
 * UTF-8 length lies between its length and three times it, so only strings in between are measured.
 */
export function assertPayload(field: string, value: unknown, limit: number): asserts value is string {
  if (typeof value !== 'string')
    throw new JournalInvalidInputError(field, `expected a string, got ${typeOf(value)}`);
  if (value.length * 3 <= limit) return;
  const bytes = value.length > limit ? value.length : utf8Length(value);
  if (bytes > limit) throw new JournalPayloadTooLargeError(field, bytes, limit);
}

export function optionalPayload(field: string, value: unknown, limit: number): string | null {
  if (value === undefined || value === null) return null;
  assertPayload(field, value, limit);
  return value;
}

/** A JSON object (the client's `clientInfo`), or null. */
export function optionalObject(field: string, value: unknown, limit: number): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new JournalInvalidInputError(field, `expected a plain object, got ${typeOf(value)}`);
  }
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new JournalInvalidInputError(field, `cannot be serialized as JSON (${(error as Error).message})`);
  }
  assertPayload(field, text, limit);
  return JSON.parse(text) as Record<string, unknown>;
}

/** UTF-8 length of a string without encoding it (a lone surrogate counts as U+FFFD, 3 bytes, as TextEncoder does). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
