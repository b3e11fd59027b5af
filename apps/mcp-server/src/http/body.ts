/**
 * Reads a request body up to a limit, within a deadline. `Content-Length` over the limit is
 * refused before reading, and one within it is read in one go; a body without it (chunked) is
 * streamed and cut off when it crosses the limit. A body that has not fully arrived after
 * its deadline (`ReadDeadlines`: one shared timer) is given up on (408): a client sending a byte now
 * and then holds nothing for long.
 */
import type { ReadDeadlines } from './read-deadlines.ts';

export type BodyResult = { ok: true; text: string } | { ok: false; status: 413 | 400 | 408; reason: string };

const TIMED_OUT = Symbol('timed out');

/** `deadlines`: the front door's body deadlines (none: no limit). */
export function readBody(request: Request, maxBytes: number, deadlines?: ReadDeadlines): Promise<BodyResult> {
  const declared = request.headers.get('content-length');
  if (declared === null) return readStreamed(request, maxBytes, deadlines);
  if (Number(declared) > maxBytes) {
    return Promise.resolve({
      ok: false,
      status: 413,
      reason: `the body of ${declared} bytes is over the limit of ${maxBytes}`,
    });
  }
  // A declared length within the limit: the runtime reads the body natively (no stream in JS).
  const read = request.arrayBuffer();
  if (!deadlines) return read.then((buffer) => bodyOf(buffer, maxBytes));
  // One promise, settled by the read or the deadline, whichever comes first (the loser's settling,
  // a rejection too, is then ignored).
  return new Promise<BodyResult>((resolve, reject) => {
    const ended = deadlines.start(() => resolve(timedOut(deadlines)));
    read.then(
      (buffer) => {
        ended();
        resolve(bodyOf(buffer, maxBytes));
      },
      (error: unknown) => {
        ended();
        reject(error);
      },
    );
  });
}

function bodyOf(buffer: ArrayBuffer, maxBytes: number): BodyResult {
  const bytes = new Uint8Array(buffer);
  if (bytes.byteLength > maxBytes) {
    return { ok: false, status: 413, reason: `the body is over the limit of ${maxBytes} bytes` };
  }
  return decode(bytes);
}

function timedOut(deadlines: ReadDeadlines | undefined): BodyResult {
  return {
    ok: false,
    status: 408,
    reason: `the body did not arrive within ${deadlines?.timeoutMs} ms (limit bodyTimeoutMs)`,
  };
}

/** A body without a declared length (chunked): read chunk by chunk, cut off past `maxBytes`. */
async function readStreamed(
  request: Request,
  maxBytes: number,
  deadlines: ReadDeadlines | undefined,
): Promise<BodyResult> {
  // One deadline for the whole body, on the shared timer: it settles the read in progress, if any,
  // and every later one, with TIMED_OUT.
  let expired = false;
  let settleRead: ((value: typeof TIMED_OUT) => void) | undefined;
  const ended = deadlines?.start(() => {
    expired = true;
    settleRead?.(TIMED_OUT);
  });
  const within = <T>(work: Promise<T>): Promise<T | typeof TIMED_OUT> => {
    if (!deadlines) return work;
    if (expired) {
      // The read is left to settle on its own; its rejection must not go unhandled.
      work.catch(() => {});
      return Promise.resolve(TIMED_OUT);
    }
    // One promise settled by the read or the deadline, whichever comes first.
    return new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
      settleRead = resolve;
      work.then(resolve, reject);
    });
  };
  try {
    if (!request.body) return { ok: true, text: '' };
    const reader = request.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const read = await within(reader.read());
      if (read === TIMED_OUT) {
        await reader.cancel().catch(() => {});
        return timedOut(deadlines);
      }
      const { done, value } = read;
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        return { ok: false, status: 413, reason: `the body is over the limit of ${maxBytes} bytes` };
      }
      chunks.push(value);
    }
    return decode(Buffer.concat(chunks));
  } finally {
    ended?.();
  }
}

function decode(bytes: Uint8Array): BodyResult {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, status: 400, reason: 'the body is not valid UTF-8' };
  }
}
