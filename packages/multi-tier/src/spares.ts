/**
 * Spares of `per-session` backends: workers started and made ready before any session asks, so a
 * new session is handed an initialized worker without waiting. A spare is a live worker bound to no
 * session; claiming one reserves it in the backend's pool for the session's key (the pool chooses
 * which spare: the longest idle ready one, else one starting), and the controller then starts a
 * replacement in the background.
 */
import type { Replica } from './replica.ts';

/** Live workers bound to no session. */
export function unbound(replicas: Iterable<Replica>): Replica[] {
  const out: Replica[] = [];
  for (const r of replicas) if (r.live && r.session === undefined) out.push(r);
  return out;
}
