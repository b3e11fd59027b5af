/**
 * Spares of `per-session` backends: workers started and made ready before any session asks, so a
 * new session is handed an initialized worker without waiting. A spare is a live worker bound to no
 * session; claiming one binds it, and the controller then starts a replacement in the background.
 */
import type { Replica } from './replica.ts';

/** Live workers bound to no session. */
export function unbound(replicas: Iterable<Replica>): Replica[] {
  const out: Replica[] = [];
  for (const r of replicas) if (r.live && r.session === undefined) out.push(r);
  return out;
}

/**
 * The spare a new session should take: a ready one (the longest unused, so recently used spares
 * may age out), else the one started first (it will be ready soonest).
 */
export function pickSpare(replicas: Iterable<Replica>): Replica | undefined {
  let ready: Replica | undefined;
  let starting: Replica | undefined;
  for (const r of unbound(replicas)) {
    if (r.state === 'ready') {
      if (!ready || r.lastUsedAt < ready.lastUsedAt) ready = r;
    } else if (!starting || r.id < starting.id) {
      starting = r;
    }
  }
  return ready ?? starting;
}
