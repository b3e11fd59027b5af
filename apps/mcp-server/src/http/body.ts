/**
 * Reads a request body up to a limit. `Content-Length` over the limit is refused before reading,
 * and one within it is read in one go; a body without it (chunked) is streamed and cut off when it
 * crosses the limit.
 */
export type BodyResult = { ok: true; text: string } | { ok: false; status: 413 | 400; reason: string };

export async function readBody(request: Request, maxBytes: number): Promise<BodyResult> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) {
    return {
      ok: false,
      status: 413,
      reason: `the body of ${declared} bytes is over the limit of ${maxBytes}`,
    };
  }
  // A declared length within the limit: the runtime reads the body natively (no stream in JS).
  if (declared !== null) {
    const bytes = new Uint8Array(await request.arrayBuffer());
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
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return { ok: false, status: 413, reason: `the body is over the limit of ${maxBytes} bytes` };
    }
    chunks.push(value);
  }
  return decode(Buffer.concat(chunks));
}

function decode(bytes: Uint8Array): BodyResult {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, status: 400, reason: 'the body is not valid UTF-8' };
  }
}
