/**
 * The access token each principal last came in with at the front door (an OAuth JWT or an
 * introspected opaque token, checked before it is noted), until it expires: what token exchange
 * (`token-exchange.ts`) trades for a backend's token when a call of that principal reaches a remote
 * with `tokenExchange`. The calls themselves carry no credentials (the coordinator routes JSON-RPC
 * messages), so the remote side looks the token up by the principal it is acquired for.
 *
 * Bounded: the least recently noted principals go first. Principals of static tokens have none.
 */
import { BoundedCache } from './bounded-cache.ts';

/** A token noted without an expiry is kept this long, ms. */
const UNDATED_TTL_MS = 5 * 60_000;

export class SubjectTokens {
  private readonly tokens: BoundedCache<string>;

  constructor(
    options: { maxPrincipals?: number; now?: () => number } = {},
    private readonly now: () => number = options.now ?? Date.now,
  ) {
    this.tokens = new BoundedCache(options.maxPrincipals ?? 10_000, this.now);
  }

  /** `principal` came in with `token`, valid until `expiresAt` (ms since the epoch) when known. */
  note(principal: string, token: string, expiresAt?: number): void {
    this.tokens.set(principal, token, expiresAt ?? this.now() + UNDATED_TTL_MS);
  }

  /** The principal's token while it is valid. */
  current(principal: string): string | undefined {
    return this.tokens.get(principal);
  }
}
