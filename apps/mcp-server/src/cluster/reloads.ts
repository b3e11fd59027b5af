/**
 * Configuration reloads across the cluster (issue #20). A node whose configuration was reloaded
 * from its own file (the file changed, or SIGHUP) says so; the cluster part announces it on the
 * bus, and every other node, told, re-reads its *own* file and applies it through the same reload —
 * the same checks, so an invalid file there is logged and its running configuration stays. A reload
 * a node made because it was told is not announced again: news never echoes between nodes.
 *
 * The reloader (the CLI) and the cluster part (the front door) each hold the gateway, not each
 * other: they meet here, one `ClusterReloads` per gateway.
 */

export type ReloadCause = 'local' | 'cluster';

export class ClusterReloads {
  readonly #reloaded = new Set<(cause: ReloadCause) => void>();
  readonly #asked = new Set<(from: string) => void>();

  /** A reload was applied here (`local`: from this node's file or signal; `cluster`: when told). */
  reloaded(cause: ReloadCause): void {
    for (const listener of [...this.#reloaded]) listener(cause);
  }

  onReloaded(listener: (cause: ReloadCause) => void): () => void {
    this.#reloaded.add(listener);
    return () => this.#reloaded.delete(listener);
  }

  /** Node `from` reloaded: this node should re-read its own file. */
  ask(from: string): void {
    for (const listener of [...this.#asked]) listener(from);
  }

  onAsked(listener: (from: string) => void): () => void {
    this.#asked.add(listener);
    return () => this.#asked.delete(listener);
  }
}

const perGateway = new WeakMap<object, ClusterReloads>();

/** The reloads of `gateway` (one per gateway, made at first use). */
export function clusterReloads(gateway: object): ClusterReloads {
  let reloads = perGateway.get(gateway);
  if (reloads === undefined) {
    reloads = new ClusterReloads();
    perGateway.set(gateway, reloads);
  }
  return reloads;
}
