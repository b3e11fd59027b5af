/**
 * The telemetry bench's OTLP/HTTP receiver, a process of its own (so its CPU is measured apart from
 * the load's and reported): it stands in for a collector on another machine, so it costs the cores
 * it shares with the load and the gateways as little as it can — each body is read and dropped,
 * its CLIENT spans counted (in this bench only the `tools/call` ones are CLIENT spans) without
 * parsing it: in JSON, `"kind":3,` in the raw bytes; in protobuf, a walk over the fields' tags and
 * lengths down to each span's `kind` (`ExportTraceServiceRequest` 1 → `ResourceSpans` 2 →
 * `ScopeSpans` 2 → `Span` 6). `GET /count` answers the count. Prints its origin on stdout.
 */

const CLIENT_JSON = Buffer.from('"kind":3,');
const CLIENT = 3;

let clientSpans = 0;

/**
 * The CLIENT spans of an `ExportTraceServiceRequest`'s bytes: the fields of each level walked by
 * their tags and lengths (no object, no copy), into `resource_spans` (1), `scope_spans` (2),
 * `spans` (2), where `kind` (6) is read.
 */
function countProtobuf(bytes: Uint8Array): number {
  let count = 0;
  let at = 0;
  /** The varint at `at` (moving `at` past it). */
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  };
  /** Skips a field of wire type `wire` whose tag was read; returns the end of a length-delimited one. */
  const skip = (wire: number): number => {
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      return at + length;
    } else at = bytes.length;
    return at;
  };
  // Each level: the fields in [at, end); the one wanted is entered, the others skipped.
  const levels = [1, 2, 2];
  const ends = [bytes.length, 0, 0, 0];
  let depth = 0;
  while (depth >= 0) {
    if (at >= ends[depth]!) {
      depth--;
      continue;
    }
    const key = varint();
    const field = key >>> 3;
    const wire = key & 7;
    if (depth === 3) {
      // A span's fields.
      if (field === 6 && wire === 0) {
        if (varint() === CLIENT) count++;
      } else at = skip(wire);
    } else if (wire === 2 && field === levels[depth]) {
      const length = varint();
      ends[++depth] = at + length;
    } else at = skip(wire);
  }
  return count;
}

function countJson(body: Buffer): void {
  for (let at = body.indexOf(CLIENT_JSON); at !== -1; at = body.indexOf(CLIENT_JSON, at + CLIENT_JSON.length))
    clientSpans++;
}

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  async fetch(request) {
    if (request.method === 'GET') return new Response(String(clientSpans));
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (new URL(request.url).pathname === '/v1/traces') {
      if (request.headers.get('content-type') === 'application/x-protobuf')
        clientSpans += countProtobuf(bytes);
      else countJson(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
    return new Response('{}', { headers: { 'content-type': 'application/json' } });
  },
});

console.log(server.url.origin);
