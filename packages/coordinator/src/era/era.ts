/**
 * The two eras of MCP a client may speak, each served by its own front adapter over one routing
 * core (DESIGN.md): 2025 (2025-03-26 … 2025-11-25: `initialize`, front sessions) and 2026
 * (2026-07-28: stateless, `server/discover`). Each adapter knows its revisions through an
 * `EraVersions` table; `legacy-versions.ts` is the 2025 one, and the 2026 adapter's will sit beside
 * it implementing the same interface.
 */

export type ProtocolEra = '2025' | '2026';

/** The revisions one era's front adapter speaks, and how it picks one for a client. */
export interface EraVersions<V extends string = string> {
  readonly era: ProtocolEra;
  /** Oldest first. */
  readonly supported: readonly V[];
  readonly latest: V;
  supports(version: string): version is V;
  /** The revision to answer a client that asked for `requested`. */
  negotiate(requested: string): V;
}
