/**
 * A session's row in the SQLite file and the session it holds. Shared by the store's reads and
 * the writer (which may run on a thread of its own). Pure.
 */
import type { Session } from '../../types.ts';

export interface SessionRow {
  id: string;
  principal: string | null;
  protocol_version: string;
  client_info: string | null;
  bindings: string;
  /** Absent in a file of schema version 3 or older opened read-only (readers do not migrate). */
  state?: string | null;
  created_at: number;
  last_seen_at: number;
  ttl_ms: number | null;
  expires_at: number | null;
}

export function sessionOf(row: SessionRow): Session {
  return {
    id: row.id,
    principal: row.principal,
    protocolVersion: row.protocol_version,
    clientInfo: row.client_info === null ? null : (JSON.parse(row.client_info) as Record<string, unknown>),
    bindings: JSON.parse(row.bindings) as Record<string, string>,
    state: row.state == null ? {} : (JSON.parse(row.state) as Record<string, unknown>),
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    ttlMs: row.ttl_ms,
    expiresAt: row.expires_at,
  };
}
