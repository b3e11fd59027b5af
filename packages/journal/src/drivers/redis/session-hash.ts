/**
 * A session as a Redis hash: the scalar fields by name, each binding as `b:<backend>` and each
 * top-level key of `state` as `s:<key>` (its value as JSON). A patch then changes fields, not a
 * whole JSON document, so the update script needs no JSON in Lua and concurrent changes of
 * different bindings or state keys cannot overwrite each other. Pure.
 */
import type { Session, SessionPatch } from '../../types.ts';

const BINDING = 'b:';
const STATE = 's:';

/** Numbers as Redis and Lua read them back exactly (`String` of a double round-trips). */
function num(value: number | null): string {
  return value === null ? '' : String(value);
}

/** The hash's fields and values, flat, for `HSET`. */
export function sessionFields(session: Session): string[] {
  const out = [
    'id',
    session.id,
    'principal',
    JSON.stringify(session.principal),
    'protocolVersion',
    session.protocolVersion,
    'clientInfo',
    JSON.stringify(session.clientInfo),
    'createdAt',
    num(session.createdAt),
    'lastSeenAt',
    num(session.lastSeenAt),
    'ttlMs',
    num(session.ttlMs),
    'expiresAt',
    num(session.expiresAt),
  ];
  for (const [backend, worker] of Object.entries(session.bindings)) out.push(BINDING + backend, worker);
  for (const [key, value] of Object.entries(session.state)) {
    if (value !== undefined) out.push(STATE + key, JSON.stringify(value));
  }
  return out;
}

/** A patch's field changes as triples `set|del, field, value` (the touch is the script's own). */
export function patchOps(patch: SessionPatch): string[] {
  const out: string[] = [];
  for (const [backend, worker] of Object.entries(patch.bindings ?? {})) {
    if (worker === null) out.push('del', BINDING + backend, '');
    else out.push('set', BINDING + backend, worker);
  }
  for (const [key, value] of Object.entries(patch.state ?? {})) {
    if (value === null) out.push('del', STATE + key, '');
    else if (value !== undefined) out.push('set', STATE + key, JSON.stringify(value));
  }
  if (patch.protocolVersion !== undefined) out.push('set', 'protocolVersion', patch.protocolVersion);
  if (patch.clientInfo !== undefined) out.push('set', 'clientInfo', JSON.stringify(patch.clientInfo));
  return out;
}

/** The session a flat `HGETALL` reply holds, or `undefined` for an empty reply (no such key). */
export function decodeSession(reply: unknown): Session | undefined {
  const fields = pairs(reply);
  if (fields.size === 0 || !fields.has('id')) return undefined;
  const bindings: Record<string, string> = {};
  const state: Record<string, unknown> = {};
  for (const [name, value] of fields) {
    if (name.startsWith(BINDING)) bindings[name.slice(BINDING.length)] = value;
    else if (name.startsWith(STATE)) state[name.slice(STATE.length)] = JSON.parse(value);
  }
  return {
    id: fields.get('id') as string,
    principal: JSON.parse(fields.get('principal') ?? 'null') as string | null,
    protocolVersion: fields.get('protocolVersion') ?? '',
    clientInfo: JSON.parse(fields.get('clientInfo') ?? 'null') as Record<string, unknown> | null,
    bindings,
    state,
    createdAt: Number(fields.get('createdAt')),
    lastSeenAt: Number(fields.get('lastSeenAt')),
    ttlMs: nullableNumber(fields.get('ttlMs')),
    expiresAt: nullableNumber(fields.get('expiresAt')),
  };
}

function nullableNumber(value: string | undefined): number | null {
  return value === undefined || value === '' ? null : Number(value);
}

/** A flat `[field, value, …]` array (or a RESP3 map as an object) as a Map. */
function pairs(reply: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) out.set(String(reply[i]), String(reply[i + 1]));
  } else if (reply && typeof reply === 'object') {
    for (const [k, v] of Object.entries(reply)) out.set(k, String(v));
  }
  return out;
}
