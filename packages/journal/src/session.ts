/** Session rules every driver shares: expiry and how a patch changes a session. Pure. */
import type { Session, SessionPatch } from './types.ts';

export function isExpired(session: Session, now: number): boolean {
  return session.expiresAt !== null && now >= session.expiresAt;
}

/** The session after `patch`, or `undefined` when it had expired (an expired session stays dead). */
export function applySessionPatch(session: Session, patch: SessionPatch): Session | undefined {
  if (isExpired(session, patch.now)) return undefined;
  const next: Session = { ...session };
  if (patch.touch) {
    next.lastSeenAt = patch.now;
    next.expiresAt = session.ttlMs === null ? null : patch.now + session.ttlMs;
  }
  if (patch.bindings) {
    const bindings = { ...session.bindings };
    for (const [backend, worker] of Object.entries(patch.bindings)) {
      if (worker === null) delete bindings[backend];
      else bindings[backend] = worker;
    }
    next.bindings = bindings;
  }
  if (patch.state) {
    const state = { ...session.state };
    for (const [key, value] of Object.entries(patch.state)) {
      if (value === null) delete state[key];
      else state[key] = value;
    }
    next.state = state;
  }
  if (patch.protocolVersion !== undefined) next.protocolVersion = patch.protocolVersion;
  if (patch.clientInfo !== undefined) next.clientInfo = patch.clientInfo;
  return next;
}

/** A copy the caller may change without changing the stored session. */
export function copySession(session: Session): Session {
  return {
    ...session,
    bindings: { ...session.bindings },
    clientInfo: session.clientInfo && structuredClone(session.clientInfo),
    state: structuredClone(session.state),
  };
}
