/**
 * Who is in the cluster (issue #20): each node writes a heartbeat to the shared Redis every few
 * seconds — its id, its URL and a hash of the configuration it runs — that lapses when it stops; each
 * node reads the others' and the dashboard shows them, flagging nodes that run different
 * configurations (one node's file not yet updated, a reload that failed on one).
 */
import type { SharedRedis } from '@switchyard/journal';

export interface ClusterNodeView {
  id: string;
  url: string;
  /** The first 12 hex digits of the SHA-256 of the configuration the node runs. */
  configHash: string;
  /** This node. */
  self: boolean;
  /** How long ago its last heartbeat was written, ms. */
  ageMs: number;
}

export interface ClusterView {
  nodes: ClusterNodeView[];
  /** The nodes do not all run the same configuration. */
  mismatch: boolean;
}

export interface MembersOptions {
  redis: Pick<SharedRedis, 'send'>;
  keyPrefix: string;
  /** This node; `incarnation`: drawn per process, so others tell a restart under the same id. */
  self: () => { id: string; url: string; configHash: string; incarnation?: string };
  intervalMs?: number;
  now?: () => number;
  warn?: (fields: Record<string, unknown>, message: string) => void;
}

interface Beat {
  id: string;
  url: string;
  configHash: string;
  incarnation?: string;
  at: number;
}

export class ClusterMembers {
  #timer: ReturnType<typeof setInterval> | undefined;
  #view: ClusterView = { nodes: [], mismatch: false };
  #failing = false;
  readonly #intervalMs: number;
  readonly #now: () => number;

  constructor(private readonly options: MembersOptions) {
    this.#intervalMs = options.intervalMs ?? 5_000;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    // The first beat at once — as soon as the node knows its own address (it is made before the
    // listener is, which then gives its port): a node another one forwards to is found from the start.
    const first = (tries: number) => {
      try {
        this.options.self();
      } catch {
        if (tries > 0) (setTimeout(() => first(tries - 1), 20) as { unref?: () => void }).unref?.();
        return;
      }
      void this.beat();
    };
    first(250);
    this.#timer = setInterval(() => void this.beat(), this.#intervalMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stops beating; the node's heartbeat lapses within three intervals and others drop it then. */
  stop(): void {
    clearInterval(this.#timer);
  }

  /** The URL of node `id` as its live heartbeat says, or `undefined` when it has none (gone). */
  async urlOf(id: string): Promise<string | undefined> {
    const url = (await this.#beatOf(id))?.url;
    return typeof url === 'string' ? url : undefined;
  }

  /** The incarnation of node `id` as its live heartbeat says, or `undefined` when it has none. */
  async incarnationOf(id: string): Promise<string | undefined> {
    const incarnation = (await this.#beatOf(id))?.incarnation;
    return typeof incarnation === 'string' ? incarnation : undefined;
  }

  async #beatOf(id: string): Promise<Partial<Beat> | undefined> {
    const value = await this.options.redis.send('GET', [`${this.options.keyPrefix}node:${id}`]);
    if (value === null || value === undefined) return undefined;
    try {
      const beat = JSON.parse(String(value)) as unknown;
      return typeof beat === 'object' && beat !== null ? (beat as Partial<Beat>) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The cluster as of the last heartbeat pass. */
  view(): ClusterView {
    return this.#view;
  }

  /** Writes this node's heartbeat and reads everyone's (also run on the timer). */
  async beat(): Promise<void> {
    const { redis, keyPrefix } = this.options;
    const self = this.options.self();
    const beat: Beat = { ...self, at: this.#now() };
    try {
      // Three intervals without a beat and a node is gone.
      await redis.send('SET', [
        `${keyPrefix}node:${self.id}`,
        JSON.stringify(beat),
        'PX',
        String(this.#intervalMs * 3),
      ]);
      // The members' ids in a set, each beat under its own expiring key: no scan of the keyspace
      // (which holds every session and stream too). Ids whose beat lapsed leave the set.
      await redis.send('SADD', [`${keyPrefix}nodes`, self.id]);
      const ids = ((await redis.send('SMEMBERS', [`${keyPrefix}nodes`])) as string[]).map(String);
      const values = (await redis.send(
        'MGET',
        ids.map((id) => `${keyPrefix}node:${id}`),
      )) as (string | null)[];
      const gone = ids.filter((_, i) => values[i] === null);
      if (gone.length > 0) await redis.send('SREM', [`${keyPrefix}nodes`, ...gone]);
      const nodes: ClusterNodeView[] = [];
      for (const value of values) {
        if (value === null) continue;
        try {
          const b = JSON.parse(String(value)) as Beat;
          nodes.push({
            id: String(b.id),
            url: String(b.url),
            configHash: String(b.configHash),
            self: b.id === self.id,
            ageMs: Math.max(0, this.#now() - Number(b.at)),
          });
        } catch {
          // not a heartbeat of ours
        }
      }
      nodes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      this.#view = { nodes, mismatch: new Set(nodes.map((n) => n.configHash)).size > 1 };
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) this.options.warn?.({ err: error }, 'the cluster heartbeat could not reach Redis');
      this.#failing = true;
    }
  }
}
