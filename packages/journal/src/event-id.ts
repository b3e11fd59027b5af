/**
 * Event ids: `<streamId>#<seq>`. The stream id is visible ASCII and the seq a positive decimal
 * integer, so the last `#` always separates them and a client's `Last-Event-ID` maps back to its
 * stream without a lookup. Pure.
 */
import { JournalInvalidEventIdError } from './errors.ts';
import { assertId } from './validate.ts';

const SEQ = /^[1-9][0-9]{0,15}$/;

export interface ParsedEventId {
  streamId: string;
  seq: number;
}

export function formatEventId(streamId: string, seq: number): string {
  return `${streamId}#${seq}`;
}

/** Splits an event id into its stream and seq; throws `JournalInvalidEventIdError` (`malformed`). */
export function parseEventId(eventId: unknown): ParsedEventId {
  const shown = typeof eventId === 'string' ? eventId : String(eventId);
  if (typeof eventId !== 'string' || eventId.length > 300) {
    throw new JournalInvalidEventIdError(
      shown.slice(0, 300),
      'malformed',
      'expected a string of at most 300 characters',
    );
  }
  const hash = eventId.lastIndexOf('#');
  const streamId = eventId.slice(0, hash);
  const seqText = eventId.slice(hash + 1);
  if (hash <= 0 || !SEQ.test(seqText) || !Number.isSafeInteger(Number(seqText))) {
    throw new JournalInvalidEventIdError(eventId, 'malformed', 'expected "<streamId>#<positive integer>"');
  }
  try {
    assertId('streamId', streamId);
  } catch {
    throw new JournalInvalidEventIdError(eventId, 'malformed', 'the stream part is not a valid stream id');
  }
  return { streamId, seq: Number(seqText) };
}
