/**
 * Which request a journaled SSE answer belongs to, written into its stream id: a process that
 * finds the stream without its answer (the one that ran the request died with it in flight) can
 * then end it for the client with an error under the request's own id instead of leaving a
 * resuming client to reconnect for ever. Numeric ids as `n<id>`, string ids of up to 64
 * characters as `s<base64url of UTF-8>`; other ids get no tag (such a stream just ends). Pure.
 */
import { CONNECTION_CLOSED, type JsonRpcMessage, type RequestId } from '@switchyard/coordinator';

const MAX_STRING_ID = 64;

/** The tag for `id`, or undefined when it would not fit a stream id. */
export function requestTag(id: RequestId): string | undefined {
  if (typeof id === 'number') return Number.isSafeInteger(id) ? `n${id}` : undefined;
  if (id.length === 0 || id.length > MAX_STRING_ID) return undefined;
  return `s${Buffer.from(id, 'utf8').toString('base64url')}`;
}

/** The request id a stream id's last `.`-part names, or undefined. */
export function requestIdOf(streamId: string): RequestId | undefined {
  const tag = streamId.slice(streamId.lastIndexOf('.') + 1);
  if (/^n-?\d{1,16}$/.test(tag)) {
    const n = Number(tag.slice(1));
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (/^s[A-Za-z0-9_-]+$/.test(tag)) {
    const id = Buffer.from(tag.slice(1), 'base64url').toString('utf8');
    return requestTag(id) === tag ? id : undefined;
  }
  return undefined;
}

/** Whether `message` answers request `id`. */
export function answers(message: JsonRpcMessage, id: RequestId): boolean {
  return 'id' in message && message.id === id && !('method' in message);
}

/** The answer a stream left without one gets: the request's outcome is unknown. */
export function outcomeUnknown(id: RequestId): JsonRpcMessage {
  return {
    jsonrpc: '2.0',
    id,
    error: {
      code: CONNECTION_CLOSED,
      message:
        'This request was in flight when the gateway process serving it ended (a restart or a crash), or its stream was abandoned: its outcome is unknown. Retry it if it is safe to.',
      data: { 'switchyard/outcomeUnknown': true },
    },
  } as JsonRpcMessage;
}
