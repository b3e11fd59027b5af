/**
 * `serve --takeover`: the process a new `serve` replaces, and the signal that tells it to go.
 *
 * The successor reads the serve file beside the journal, listens on the same host and port (both
 * sockets with SO_REUSEPORT, so the port never stops accepting), steers new connections to itself
 * (`steer.ts`), then sends the predecessor SIGUSR2 — not SIGTERM, which keeps its meaning (stop:
 * nobody takes over). The predecessor, on SIGUSR2, hands over: each answer it still gives carries
 * `Connection: close`, so every client's kept-alive connection ends after its next answer and the
 * client's next request opens one to the successor; once no request has reached it for a moment
 * and no call runs (at most the grace), it stops as on SIGTERM — the sessions end in its memory
 * and stay in the journal, where the successor finds them on their next request.
 */
import { readFileSync } from 'node:fs';
import { readServeFile, type ServeRecord } from './serve-file.ts';

/** The signal a successor sends its predecessor: hand over and exit. */
export const HAND_OVER_SIGNAL = 'SIGUSR2';

/**
 * How long the predecessor must have seen no new request before it closes its socket: each
 * kept-alive connection has had its last answer by then (with `Connection: close`), and a client
 * idle longer than this is unlikely to send at the very moment the socket closes.
 */
export const QUIET_MS = 500;

export type Predecessor = { found: ServeRecord } | { none: string };

function alive(pid: number): boolean | 'not ours' {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM' ? 'not ours' : false;
  }
}

/**
 * Whether `pid` looks like a `serve` (Linux: its command line). A serve killed with SIGKILL leaves
 * its file behind, and its pid may since belong to some other program, which SIGUSR2 would end.
 */
function looksLikeServe(pid: number): boolean {
  if (process.platform !== 'linux') return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('serve');
  } catch {
    return false;
  }
}

/** The live `serve` that `file` names, or why there is none. */
export function findPredecessor(file: string | undefined, self: number = process.pid): Predecessor {
  if (file === undefined)
    return { none: 'the journal is in memory (:memory:), so no serve file names a process' };
  const record = readServeFile(file);
  if (record === undefined) return { none: `no serve file at ${file}` };
  if (record.pid === self) return { none: `${file} names this process` };
  const state = alive(record.pid);
  if (state === false) return { none: `pid ${record.pid} named in ${file} is gone` };
  if (state === 'not ours') return { none: `pid ${record.pid} named in ${file} belongs to another user` };
  if (!looksLikeServe(record.pid))
    return { none: `pid ${record.pid} named in ${file} is not a switchyard serve (its pid was reused)` };
  return { found: record };
}

/**
 * Resolves when nothing is `busy()` and the last request came `quietMs` ago or more (polled), or
 * after `limitMs`: true when it went quiet, false when the limit came first.
 */
export async function untilQuiet(
  busy: () => boolean,
  lastRequestAt: () => number,
  limitMs: number,
  quietMs = QUIET_MS,
): Promise<boolean> {
  const end = Date.now() + limitMs;
  for (;;) {
    if (!busy() && Date.now() - lastRequestAt() >= quietMs) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `response` with `Connection: close`: the client sends its next request on a new connection. */
export function closingConnection(response: Response): Response {
  try {
    response.headers.set('connection', 'close');
    return response;
  } catch {
    // Immutable headers: the same body and status under a copy of them.
    const headers = new Headers(response.headers);
    headers.set('connection', 'close');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}
