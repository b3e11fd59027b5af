import { describe, expect, it } from 'vitest';
import { accepts, isJsonContentType } from './media.ts';

describe('accepts', () => {
  it('admits exact types, ranges and no header; refuses q=0 and types not listed', () => {
    const both = 'application/json, text/event-stream';
    expect(accepts(both, 'application/json')).toBe(true);
    expect(accepts(both, 'text/event-stream')).toBe(true);
    expect(accepts('application/json', 'text/event-stream')).toBe(false);
    expect(accepts('*/*', 'text/event-stream')).toBe(true);
    expect(accepts('text/*;q=0.5', 'text/event-stream')).toBe(true);
    expect(accepts('text/*, text/event-stream;q=0', 'text/event-stream')).toBe(false);
    expect(accepts(null, 'text/event-stream')).toBe(true);
    expect(accepts('  ', 'text/event-stream')).toBe(true);
  });

  it('gives the same answer the second time (memoised) and for many distinct headers (bounded memo)', () => {
    for (let round = 0; round < 2; round++) {
      expect(accepts('application/json', 'application/json')).toBe(true);
      expect(accepts('application/json', 'text/event-stream')).toBe(false);
    }
    for (let i = 0; i < 600; i++)
      expect(accepts(`text/x-${i}, application/json`, 'application/json')).toBe(true);
    expect(accepts('application/json', 'text/event-stream')).toBe(false);
  });
});

describe('isJsonContentType', () => {
  it('takes application/json with parameters, in any case', () => {
    expect(isJsonContentType('application/json; charset=utf-8')).toBe(true);
    expect(isJsonContentType('Application/JSON')).toBe(true);
    expect(isJsonContentType('text/plain')).toBe(false);
    expect(isJsonContentType(null)).toBe(false);
  });
});
