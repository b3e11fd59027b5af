/** Session leases on Redis (see `../../leases.ts`): one hash per session, changed by Lua scripts. */
import { JournalInvalidInputError } from '../../errors.ts';
import type { LeaseNode, SessionLease, SessionLeases } from '../../leases.ts';
import { assertCount, assertId } from '../../validate.ts';
import type { ScriptRunner } from './connection.ts';

export class RedisLeases implements SessionLeases {
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
    return {
      mine: Number(reply[0]) === 1,
      owner: { id: String(reply[1]), url: String(reply[2]) },
      epoch: Number(reply[3]),
    };
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
