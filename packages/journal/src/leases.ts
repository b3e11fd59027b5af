/**
 * Session ownership across gateway nodes: a lease per session, held by one node at a time, with an
 * epoch that grows each time the session changes hands (so a node that was paused can tell it lost
 * the session). The epoch also fences writes: once a process claimed a session, the store refuses
 * that process's writes for it (events of its streams, changes to its record) after another node
 * took it over, with `JournalFencedError`, and tells `onFenced`. Only a store several nodes share
 * has leases (the Redis driver); for a store one process holds (SQLite, memory) `journal.leases` is
 * `undefined` and every node owns what it holds.
 */

/** A node, as other nodes reach it. */
export interface LeaseNode {
  /** Unique among the nodes sharing the journal. */
  id: string;
  /** Where other nodes send a session's requests (the node's `/mcp` URL). */
  url: string;
}

export interface SessionLease {
  /** The node holding the session. */
  owner: LeaseNode;
  /** Grows by one each time the session changes hands. */
  epoch: number;
  /** Whether `owner` is the node that asked. */
  mine: boolean;
}

export interface SessionLeases {
  /**
   * Takes the session's lease for `node` when no node holds it (or `node` does: then it is renewed),
   * for `ttlMs`. With `takeFrom`, also when that node holds it (it was found dead): compare-and-set,
   * so two nodes finding the same dead owner do not both win. Resolves with the lease as it now is.
   */
  claim(sessionId: string, node: LeaseNode, ttlMs: number, takeFrom?: string): Promise<SessionLease>;
  /**
   * Extends, by `ttlMs`, the leases `node` holds among `sessionIds`; resolves with the ids it no
   * longer holds (another node took them, or they lapsed and were taken).
   */
  renew(sessionIds: readonly string[], node: LeaseNode, ttlMs: number): Promise<string[]>;
  /** Gives the lease up, if `node` holds it. */
  release(sessionId: string, node: LeaseNode): Promise<void>;
  /** The session's live lease, or `undefined` when no node holds it. */
  get(sessionId: string, asking: LeaseNode): Promise<SessionLease | undefined>;
  /**
   * Told of each session a write of this process was refused for (another node took it over after
   * this process claimed it): the process should let it go. Returns the unsubscribe.
   */
  onFenced(listener: (sessionId: string) => void): () => void;
}
