/**
 * Reads a request body up to a limit, within a deadline. `Content-Length` over the limit is
 * refused before reading, and one within it is read in one go; a body without it (chunked) is
 * streamed and cut off when it crosses the limit. A body that has not fully arrived after
 * `timeoutMs` is given up on (408): a client sending a byte now and then holds nothing for long.
 */
export type BodyResult = { ok: true; text: string } | { ok: false; status: 413 | 400 | 408; reason: string };

const TIMED_OUT = Symbol('timed out');

export async function readBody(request: Request, maxBytes: number, timeoutMs?: number): Promise<BodyResult> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) {
    return {
      ok: false,
      status: 413,
      reason: `the body of ${declared} bytes is over the limit of ${maxBytes}`,
    };
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired =
    timeoutMs === undefined
      ? undefined
      : new Promise<typeof TIMED_OUT>((resolve) => {
          timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
        });
  const within = <T>(work: Promise<T>): Promise<T | typeof TIMED_OUT> => {
    if (!expired) return work;
    // The loser is left to settle on its own; its rejection must not go unhandled.
    work.catch(() => {});
    return Promise.race([work, expired]);
  };
  const timedOut = (): BodyResult => ({
    ok: false,
    status: 408,
    reason: `the body did not arrive within ${timeoutMs} ms (limit bodyTimeoutMs)`,
  });
  try {
    // A declared length within the limit: the runtime reads the body natively (no stream in JS).
    if (declared !== null) {
      const buffer = await within(request.arrayBuffer());
      if (buffer === TIMED_OUT) return timedOut();
      const bytes = new Uint8Array(buffer);
      if (bytes.byteLength > maxBytes) {
        return { ok: false, status: 413, reason: `the body is over the limit of ${maxBytes} bytes` };
      }
      return decode(bytes);
    }
    if (!request.body) return { ok: true, text: '' };
    const reader = request.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const read = await within(reader.read());
      if (read === TIMED_OUT) {
        await reader.cancel().catch(() => {});
        return timedOut();
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
    clearTimeout(timer);
  }
}

function decode(bytes: Uint8Array): BodyResult {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, status: 400, reason: 'the body is not valid UTF-8' };
  }
}
