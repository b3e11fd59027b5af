import { describe, expect, it } from 'vitest';
import { answers, outcomeUnknown, requestIdOf, requestTag } from './stream-request.ts';

describe('a request id in a stream id', () => {
  it('round-trips numbers and short strings, and names no request for anything else', () => {
    for (const id of [0, 7, -3, 2 ** 53 - 1, 'a', 'slow-1', 'ünïcode ✓', 'x.y#z', 'x'.repeat(64)]) {
      const tag = requestTag(id);
      expect(tag, String(id)).toBeDefined();
      expect(requestIdOf(`abc.epoch-r1.${tag}`)).toBe(id);
    }
    expect(requestTag(1.5)).toBeUndefined();
    expect(requestTag('')).toBeUndefined();
    expect(requestTag('x'.repeat(65))).toBeUndefined();
    // Streams without a tag, and tags that are not ours.
    expect(requestIdOf('abc.epoch-r1')).toBeUndefined();
    expect(requestIdOf('abc.get')).toBeUndefined();
    expect(requestIdOf('abc.n1e3')).toBeUndefined();
    expect(requestIdOf('abc.s')).toBeUndefined();
  });

  it('tells an answer of the request from anything else, and the unknown outcome is one', () => {
    expect(answers({ jsonrpc: '2.0', id: 3, result: {} } as never, 3)).toBe(true);
    expect(answers({ jsonrpc: '2.0', id: '3', result: {} } as never, 3)).toBe(false);
    expect(answers({ jsonrpc: '2.0', id: 3, method: 'sampling/createMessage' } as never, 3)).toBe(false);
    expect(answers({ jsonrpc: '2.0', method: 'notifications/progress' } as never, 3)).toBe(false);
    expect(answers(outcomeUnknown('q'), 'q')).toBe(true);
  });
});
