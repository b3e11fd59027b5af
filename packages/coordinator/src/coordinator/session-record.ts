/**
 * A 2025 session as the journal keeps it, so that another process — the gateway restarted,
 * upgraded, or after a crash — continues it when its client comes back with its `Mcp-Session-Id`.
 * The record holds who (principal), what was negotiated (version, client info and capabilities),
 * the log level, the subscriptions, and which per-session / per-principal backends the session
 * called (`bindings`): their workers ended with the process that held them, and with them any
 * state they kept for the session, which the restored session is told once per backend. Pure.
 */
import type { Session as SessionRecord } from '@switchyard/journal';
import type { Implementation } from '../aggregate/initialize.ts';
import { negotiateLegacyVersion } from '../era/legacy-versions.ts';
import { isJsonObject, type JsonObject } from '../jsonrpc/types.ts';
import type { FrontSession, RestoredFields } from './sessions.ts';

/** What `bindings` records for a backend the session called (the worker itself does not outlive us). */
export const BOUND = 'bound';

/** The `state` a new session's record starts with. */
export function initialState(capabilities: JsonObject): Record<string, unknown> {
  return { capabilities };
}

/** The `state` keys to write after `logging/setLevel`. */
export function logLevelState(level: string): Record<string, unknown> {
  return { logLevel: level };
}

/** The `state` keys to write after a subscription changed. */
export function subscriptionsState(session: FrontSession): Record<string, unknown> {
  return { subscriptions: Object.fromEntries(session.subscriptions) };
}

/** What `SessionTable.add` takes to bring the record back, and its subscriptions (backend key → front URI). */
export function restoredSession(
  record: SessionRecord,
  isIsolated: (backend: string) => boolean,
): {
  session: Pick<
    FrontSession,
    'id' | 'principal' | 'protocolVersion' | 'clientInfo' | 'clientCapabilities' | 'era' | 'lastSeenAt'
  >;
  restored: RestoredFields;
  subscriptions: [string, string][];
} {
  const state = record.state;
  const subscriptions = isJsonObject(state.subscriptions)
    ? Object.entries(state.subscriptions as Record<string, unknown>).filter(
        (e): e is [string, string] => typeof e[1] === 'string',
      )
    : [];
  return {
    session: {
      id: record.id,
      principal: record.principal,
      protocolVersion: negotiateLegacyVersion(record.protocolVersion),
      clientInfo: (record.clientInfo ?? undefined) as Implementation | undefined,
      clientCapabilities: isJsonObject(state.capabilities) ? (state.capabilities as JsonObject) : {},
      era: 'legacy',
      lastSeenAt: record.lastSeenAt,
    },
    restored: {
      // A session that outlived a process was in use: its handshake is long done.
      initialized: true,
      logLevel: typeof state.logLevel === 'string' ? state.logLevel : undefined,
      stateLost: Object.keys(record.bindings).filter(isIsolated),
    },
    subscriptions,
  };
}
