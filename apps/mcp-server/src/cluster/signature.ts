/**
 * The caller a node passes along with a request it forwards to the session's owner: who the front
 * door authenticated (principal and claims), signed with the cluster's shared secret (HMAC-SHA256),
 * bound to the method, the session and a time, so a client cannot forge it and a captured header
 * is good for a short while and one session only. The owner trusts it instead of authenticating
 * the request again, and never forwards such a request further.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Caller } from '../http/mcp-front.ts';

export const FORWARDED_HEADER = 'x-switchyard-forwarded';
/** How far a forwarded request's time may be from the receiving node's clock. */
const SKEW_MS = 30_000;

export interface Forwarded {
  /** The node that forwarded it. */
  node: string;
  caller: Caller;
}

export type Verdict =
  | { kind: 'absent' }
  | { kind: 'ok'; forwarded: Forwarded }
  | { kind: 'bad'; reason: string };

export class ForwardSigner {
  constructor(
    private readonly secret: string,
    private readonly now: () => number = Date.now,
  ) {}

  sign(node: string, caller: Caller, method: string, sessionId: string): string {
    const payload = Buffer.from(JSON.stringify(caller)).toString('base64url');
    const head = `v1.${node}.${this.now()}.${payload}`;
    return `${head}.${this.#mac(head, method, sessionId)}`;
  }

  verify(header: string | null, method: string, sessionId: string | null): Verdict {
    if (header === null) return { kind: 'absent' };
    const parts = header.split('.');
    if (parts.length !== 5 || parts[0] !== 'v1') return { kind: 'bad', reason: 'malformed' };
    const [, node, time, payload, mac] = parts as [string, string, string, string, string];
    const expected = Buffer.from(this.#mac(parts.slice(0, 4).join('.'), method, sessionId ?? ''));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { kind: 'bad', reason: 'bad signature' };
    if (Math.abs(this.now() - Number(time)) > SKEW_MS) return { kind: 'bad', reason: 'too old' };
    try {
      const caller = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Caller;
      if (caller === null || typeof caller !== 'object' || !('principal' in caller))
        return { kind: 'bad', reason: 'malformed' };
      return { kind: 'ok', forwarded: { node, caller } };
    } catch {
      return { kind: 'bad', reason: 'malformed' };
    }
  }

  #mac(head: string, method: string, sessionId: string): string {
    return createHmac('sha256', this.secret).update(`${head}\n${method}\n${sessionId}`).digest('base64url');
  }
}
