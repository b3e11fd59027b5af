/**
 * The cluster bus (issue #20): news one node has for the others, over Redis pub/sub on the journal's
 * server — that a shared backend's lists changed there, so every node's sessions are told (a
 * `list_changed` of a backend on one node reaches the sessions of all), that one of a shared
 * backend's resources was updated there, so every node's subscribers to it are told, that a task it
 * runs changed, so every node's 2026 listens that asked for that task are told, and that its
 * configuration was reloaded, so every node re-reads its own file (`reloads.ts`).
 *
 * Bun's Redis client does not subscribe again after its connection dropped, so the subscriber is
 * owned here: a dropped connection is replaced (at once, then every second until one holds) and
 * subscribed again, and since news may have been missed in the gap, `onGap` is called once it is
 * back (the gateway then tells its sessions that every list may have changed).
 */

import type { SharedRedis } from '@switchyard/journal';
import { RedisClient } from 'bun';

export type BusNews =
  | { kind: 'lists-changed'; backend: string; lists: string[] }
  /** `params`: those of the backend's `notifications/resources/updated` (its own `uri`). */
  | { kind: 'resource-updated'; backend: string; params: Record<string, unknown> & { uri: string } }
  | { kind: 'reloaded' }
  /** A task running there changed: `task` as 2026 `tasks/get` gives it, for listens here that asked. */
  | { kind: 'task-changed'; taskId: string; task: Record<string, unknown> };

type Envelope = BusNews & {
  /** The node that sent it (a node ignores its own). */
  from: string;
};

export interface ClusterBusOptions {
  url: string;
  channel: string;
  nodeId: string;
  /** Where news is published (a connection of the node's own; a subscribed one cannot publish). */
  publisher: Pick<SharedRedis, 'send'>;
  onNews(news: BusNews, from: string): void;
  /** The subscription was down and is back: news may have been missed. */
  onGap(): void;
  warn?: (fields: Record<string, unknown>, message: string) => void;
  retryMs?: number;
}

export class ClusterBus {
  #client: RedisClient | undefined;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #down = false;

  constructor(private readonly options: ClusterBusOptions) {}

  /** Subscribes; resolves once subscribed, or once the first try failed (it is retried every second). */
  async start(): Promise<void> {
    try {
      await this.#subscribe();
    } catch (error) {
      this.#down = true;
      this.options.warn?.({ err: error }, 'the cluster bus cannot subscribe yet: retrying');
      this.#retry(this.options.retryMs ?? 1_000);
    }
  }

  publish(news: BusNews): void {
    const envelope: Envelope = { ...news, from: this.options.nodeId };
    void this.options.publisher
      .send('PUBLISH', [this.options.channel, JSON.stringify(envelope)])
      .catch((error: unknown) => this.options.warn?.({ err: error }, 'cluster news could not be published'));
  }

  stop(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#client?.close();
    this.#client = undefined;
  }

  async #subscribe(): Promise<void> {
    const client = new RedisClient(this.options.url, { autoReconnect: false, enableOfflineQueue: false });
    client.onclose = () => this.#dropped(client);
    try {
      await client.connect();
      await client.subscribe(this.options.channel, (message) => this.#receive(message));
    } catch (error) {
      client.onclose = undefined as unknown as RedisClient['onclose'];
      client.close();
      throw error;
    }
    if (this.#closed) {
      client.close();
      return;
    }
    this.#client = client;
  }

  #receive(message: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return;
    }
    if (typeof envelope?.from !== 'string' || envelope.from === this.options.nodeId) return;
    if (envelope.kind === 'reloaded') {
      this.options.onNews({ kind: 'reloaded' }, envelope.from);
      return;
    }
    if (envelope.kind === 'resource-updated') {
      const { backend, params } = envelope;
      if (typeof backend !== 'string' || typeof params !== 'object' || params === null) return;
      if (typeof params.uri !== 'string') return;
      this.options.onNews({ kind: envelope.kind, backend, params }, envelope.from);
      return;
    }
    if (envelope.kind === 'task-changed') {
      const { taskId, task } = envelope;
      if (typeof taskId !== 'string' || typeof task !== 'object' || task === null) return;
      this.options.onNews({ kind: envelope.kind, taskId, task }, envelope.from);
      return;
    }
    if (envelope.kind !== 'lists-changed') return;
    if (typeof envelope.backend !== 'string' || !Array.isArray(envelope.lists)) return;
    this.options.onNews(
      { kind: envelope.kind, backend: envelope.backend, lists: envelope.lists },
      envelope.from,
    );
  }

  #dropped(client: RedisClient): void {
    if (this.#client !== client || this.#closed) return;
    this.#client = undefined;
    if (!this.#down) {
      this.#down = true;
      this.options.warn?.({}, 'the cluster bus lost its Redis subscription: reconnecting');
    }
    this.#retry(0);
  }

  #retry(ms: number): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#timer = setTimeout(async () => {
      this.#timer = undefined;
      try {
        await this.#subscribe();
        this.#down = false;
        this.options.warn?.(
          {},
          'the cluster bus is subscribed again; telling sessions their lists may have changed',
        );
        this.options.onGap();
      } catch {
        this.#retry(this.options.retryMs ?? 1_000);
      }
    }, ms);
    (this.#timer as { unref?: () => void }).unref?.();
  }
}
