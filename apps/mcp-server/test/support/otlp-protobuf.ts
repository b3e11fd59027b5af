/**
 * Test support: an OTLP/HTTP protobuf `ExportTraceServiceRequest` read back into the shape of its
 * OTLP JSON (hex ids, times as decimal strings of nanoseconds, `{ key, value: { stringValue … } }`
 * attributes) — a wire-format reader of its own, by the field numbers of opentelemetry-proto's
 * `trace.proto` and `common.proto`, sharing nothing with the gateway's writer.
 */

type Field =
  | { wire: 0; value: bigint }
  | { wire: 1; value: DataView }
  | { wire: 2; value: Uint8Array }
  | { wire: 5; value: DataView };

/** Each field of one message, by number, in order. */
function fields(bytes: Uint8Array): Map<number, Field[]> {
  const out = new Map<number, Field[]>();
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[at++];
      if (byte === undefined) throw new Error('protobuf: a varint runs past the end');
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return result;
      shift += 7n;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const number = key >>> 3;
    const wire = key & 7;
    let field: Field;
    if (wire === 0) field = { wire, value: varint() };
    else if (wire === 1) {
      field = { wire, value: new DataView(bytes.buffer, bytes.byteOffset + at, 8) };
      at += 8;
    } else if (wire === 2) {
      const length = Number(varint());
      if (at + length > bytes.length) throw new Error('protobuf: a field runs past the end');
      field = { wire, value: bytes.subarray(at, at + length) };
      at += length;
    } else if (wire === 5) {
      field = { wire, value: new DataView(bytes.buffer, bytes.byteOffset + at, 4) };
      at += 4;
    } else throw new Error(`protobuf: wire type ${wire}`);
    const list = out.get(number);
    if (list === undefined) out.set(number, [field]);
    else list.push(field);
  }
  return out;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function all(message: Map<number, Field[]>, number: number): Field[] {
  return message.get(number) ?? [];
}
function last(message: Map<number, Field[]>, number: number): Field | undefined {
  return all(message, number).at(-1);
}
function bytesOf(field: Field | undefined): Uint8Array | undefined {
  return field?.wire === 2 ? field.value : undefined;
}
function text(field: Field | undefined): string | undefined {
  const bytes = bytesOf(field);
  return bytes === undefined ? undefined : decoder.decode(bytes);
}
function hex(field: Field | undefined): string | undefined {
  const bytes = bytesOf(field);
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('hex');
}
function uint(field: Field | undefined): number | undefined {
  if (field === undefined) return undefined;
  if (field.wire === 0) return Number(field.value);
  if (field.wire === 5) return field.value.getUint32(0, true);
  throw new Error('protobuf: not an integer field');
}
function nanos(field: Field | undefined): string | undefined {
  return field?.wire === 1 ? field.value.getBigUint64(0, true).toString() : undefined;
}

function anyValue(bytes: Uint8Array): Record<string, unknown> {
  const m = fields(bytes);
  if (m.has(1)) return { stringValue: text(last(m, 1)) };
  if (m.has(2)) return { boolValue: uint(last(m, 2)) === 1 };
  if (m.has(3)) {
    const raw = (last(m, 3) as { value: bigint }).value;
    return { intValue: Number(BigInt.asIntN(64, raw)) };
  }
  if (m.has(4)) return { doubleValue: (last(m, 4) as { value: DataView }).value.getFloat64(0, true) };
  if (m.has(5)) {
    const values = all(fields(bytesOf(last(m, 5))!), 1).map((f) => anyValue(bytesOf(f)!));
    return { arrayValue: { values } };
  }
  return {};
}

function keyValues(message: Map<number, Field[]>, number: number): Record<string, unknown>[] {
  return all(message, number).map((f) => {
    const kv = fields(bytesOf(f)!);
    return { key: text(last(kv, 1)), value: anyValue(bytesOf(last(kv, 2)) ?? new Uint8Array()) };
  });
}

function defined(object: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(object)) if (object[key] === undefined) delete object[key];
  return object;
}

function span(bytes: Uint8Array): Record<string, unknown> {
  const m = fields(bytes);
  const status = fields(bytesOf(last(m, 15)) ?? new Uint8Array());
  return defined({
    traceId: hex(last(m, 1)),
    spanId: hex(last(m, 2)),
    traceState: text(last(m, 3)),
    parentSpanId: hex(last(m, 4)),
    name: text(last(m, 5)),
    kind: uint(last(m, 6)) ?? 0,
    startTimeUnixNano: nanos(last(m, 7)),
    endTimeUnixNano: nanos(last(m, 8)),
    attributes: keyValues(m, 9),
    droppedAttributesCount: uint(last(m, 10)) ?? 0,
    events: all(m, 11).map((f) => {
      const e = fields(bytesOf(f)!);
      return {
        attributes: keyValues(e, 3),
        name: text(last(e, 2)),
        timeUnixNano: nanos(last(e, 1)),
        droppedAttributesCount: uint(last(e, 4)) ?? 0,
      };
    }),
    droppedEventsCount: uint(last(m, 12)) ?? 0,
    status: defined({ code: uint(last(status, 3)) ?? 0, message: text(last(status, 2)) }),
    links: all(m, 13).map((f) => {
      const l = fields(bytesOf(f)!);
      return defined({
        attributes: keyValues(l, 4),
        spanId: hex(last(l, 2)),
        traceId: hex(last(l, 1)),
        traceState: text(last(l, 3)),
        droppedAttributesCount: uint(last(l, 5)) ?? 0,
        flags: uint(last(l, 6)) ?? 0,
      });
    }),
    droppedLinksCount: uint(last(m, 14)) ?? 0,
    flags: uint(last(m, 16)) ?? 0,
  });
}

export interface DecodedTraceRequest {
  resourceSpans: {
    resource: { attributes: Record<string, unknown>[]; droppedAttributesCount: number };
    schemaUrl?: string;
    scopeSpans: {
      scope: { name?: string; version?: string };
      spans: Record<string, unknown>[];
      schemaUrl?: string;
    }[];
  }[];
}

/** An `ExportTraceServiceRequest`'s bytes as its OTLP JSON would read. */
export function decodeTraceRequest(bytes: Uint8Array): DecodedTraceRequest {
  const request = fields(bytes);
  return {
    resourceSpans: all(request, 1).map((f) => {
      const rs = fields(bytesOf(f)!);
      const resource = fields(bytesOf(last(rs, 1)) ?? new Uint8Array());
      return defined({
        resource: {
          attributes: keyValues(resource, 1),
          droppedAttributesCount: uint(last(resource, 2)) ?? 0,
        },
        schemaUrl: text(last(rs, 3)),
        scopeSpans: all(rs, 2).map((g) => {
          const ss = fields(bytesOf(g)!);
          const scope = fields(bytesOf(last(ss, 1)) ?? new Uint8Array());
          return defined({
            scope: defined({ name: text(last(scope, 1)), version: text(last(scope, 2)) }),
            spans: all(ss, 2).map((s) => span(bytesOf(s)!)),
            schemaUrl: text(last(ss, 3)),
          });
        }),
      });
    }) as DecodedTraceRequest['resourceSpans'],
  };
}
