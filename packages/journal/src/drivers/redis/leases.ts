/**
 * Session leases on Redis (see `../../leases.ts`): one hash per session, changed by Lua scripts.
 * The epoch of each lease this process won is kept as the session's fence: the store passes it with
 * every write of the session, and the script refuses the write once the epoch moved on. A fence
 * stays after the lease is lost (so late writes of the old owner stay refused) until the session is
 * released or claimed again; the oldest go past `MAX_FENCES`.
 */
import { JournalInvalidInputError } from '../../errors.ts';
import type { LeaseNode, SessionLease, SessionLeases } from '../../leases.ts';
import { assertCount, assertId } from '../../validate.ts';
import type { ScriptRunner } from './connection.ts';

/** Fences kept at most (held sessions and lost ones), the oldest dropped first. */
const MAX_FENCES = 200_000;

export class RedisLeases implements SessionLeases {
  /** Session id → the epoch of the lease this process holds, or held before another node took it. */
  readonly #fences = new Map<string, number>();
  readonly #fencedListeners = new Set<(sessionId: string) => void>();

  constructor(
    private readonly scripts: ScriptRunner,
    private readonly prefix: string,
  ) {}

  async claim(sessionId: string, node: LeaseNode, ttlMs: number, takeFrom?: string): Promise<SessionLease> {
    assertId('sessionId', sessionId);
    checkNode(node);
    assertCount('ttlMs', ttlMs);
    const reply = (await this.#run('claimLease', [
      sessionId,
      node.id,
      node.url,
      String(Math.ceil(ttlMs)),
      takeFrom ?? '',
    ])) as [number, string, string, number];
    const lease = {
      mine: Number(reply[0]) === 1,
      owner: { id: String(reply[1]), url: String(reply[2]) },
      epoch: Number(reply[3]),
    };
    if (lease.mine) this.#remember(sessionId, lease.epoch);
    return lease;
  }

  async renew(sessionIds: readonly string[], node: LeaseNode, ttlMs: number): Promise<string[]> {
    checkNode(node);
    assertCount('ttlMs', ttlMs);
    const lost: string[] = [];
    // A few hundred per script: one call does not hold Redis for long.
    for (let i = 0; i < sessionIds.length; i += 500) {
      const part = sessionIds.slice(i, i + 500);
      const reply = (await this.#run('renewLeases', [
        node.id,
        String(Math.ceil(ttlMs)),
        ...part,
      ])) as string[];
      lost.push(...reply.map(String));
    }
    return lost;
  }

  async release(sessionId: string, node: LeaseNode): Promise<void> {
    assertId('sessionId', sessionId);
    checkNode(node);
    this.#fences.delete(sessionId);
    await this.#run('releaseLease', [sessionId, node.id]);
  }

  async get(sessionId: string, asking: LeaseNode): Promise<SessionLease | undefined> {
    assertId('sessionId', sessionId);
    const reply = (await this.#run('getLease', [sessionId])) as [string, string, number] | [];
    if (reply.length === 0) return undefined;
    const [id, url, epoch] = reply as [string, string, number];
    return {
      owner: { id: String(id), url: String(url) },
      epoch: Number(epoch),
      mine: String(id) === asking.id,
    };
  }

  onFenced(listener: (sessionId: string) => void): () => void {
    this.#fencedListeners.add(listener);
    return () => this.#fencedListeners.delete(listener);
  }

  /** The epoch this process's writes of `sessionId` are fenced with; `undefined` when it claimed none. */
  fenceOf(sessionId: string): number | undefined {
    return this.#fences.get(sessionId);
  }

  /** The store refused a write of `sessionId`: the listeners are told (the fence stays). */
  refused(sessionId: string): void {
    for (const listener of [...this.#fencedListeners]) listener(sessionId);
  }

  #remember(sessionId: string, epoch: number): void {
    this.#fences.delete(sessionId);
    this.#fences.set(sessionId, epoch);
    if (this.#fences.size <= MAX_FENCES) return;
    const oldest = this.#fences.keys().next().value;
    if (oldest !== undefined) this.#fences.delete(oldest);
  }

  #run(name: Parameters<ScriptRunner['run']>[0], args: string[]): Promise<unknown> {
    return this.scripts.run(name, [this.prefix, ...args]);
  }
}

function checkNode(node: LeaseNode): void {
  if (typeof node !== 'object' || node === null || typeof node.id !== 'string' || node.id === '')
    throw new JournalInvalidInputError('node.id', 'expected a non-empty string');
  if (typeof node.url !== 'string' || URL.parse(node.url) === null)
    throw new JournalInvalidInputError('node.url', 'expected a URL');
}
