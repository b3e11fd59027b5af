import { describe, expect, it } from 'vitest';
import { isJournalInvalidEventIdError } from './errors.ts';
import { formatEventId, parseEventId } from './event-id.ts';

describe('event ids', () => {
  it('round-trip, even when the stream id holds "#"', () => {
    for (const [stream, seq] of [
      ['a', 1],
      ['session-1/get', 42],
      ['x#y#z', 9_007_199_254_740_991],
    ] as const) {
      expect(parseEventId(formatEventId(stream, seq))).toEqual({ streamId: stream, seq });
    }
  });

  it('refuse anything else as malformed', () => {
    for (const bad of [
      '',
      '#',
      'a#',
      'a#0',
      'a#007',
      'a# 1',
      'a#1e3',
      'a#99999999999999999',
      'sp ace#1',
      42,
      null,
    ]) {
      let error: unknown;
      try {
        parseEventId(bad);
      } catch (e) {
        error = e;
      }
      expect(isJournalInvalidEventIdError(error), String(bad)).toBe(true);
      expect((error as { reason: string }).reason).toBe('malformed');
    }
  });
});
