/**
 * Each backend's lists (tools, prompts, resources, resource templates), kept until the backend
 * says they changed. `notifications/tools/list_changed` drops its tools, `…/prompts/…` its
 * prompts, `…/resources/list_changed` its resources and resource templates (the spec has one
 * notification for both).
 *
 * A fetch is a ticket: `begin` before asking the backend, `complete` with the answer. If the list
 * was invalidated in between, `complete` refuses the now stale answer, so a notification that
 * overtakes a slow fetch is never lost.
 */

export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

/** Which lists each list-changed notification invalidates. */
export const LIST_CHANGED_NOTIFICATIONS: ReadonlyMap<string, readonly ListKind[]> = new Map([
  ['notifications/tools/list_changed', ['tools']],
  ['notifications/prompts/list_changed', ['prompts']],
  ['notifications/resources/list_changed', ['resources', 'resourceTemplates']],
]);

const ALL_KINDS: readonly ListKind[] = ['tools', 'prompts', 'resources', 'resourceTemplates'];

/** A fetch in progress. */
export interface FetchTicket {
  readonly backend: string;
  readonly kind: ListKind;
  readonly generation: number;
}

interface Slot<T> {
  generation: number;
  items?: readonly T[];
}

export class ListCache<T = unknown> {
  private readonly slots = new Map<string, Slot<T>>();
  /** Generations come from one counter, so a slot dropped and made again never reuses one. */
  private epoch = 0;

  private slot(backend: string, kind: ListKind): Slot<T> {
    const key = `${kind}\u0000${backend}`;
    let s = this.slots.get(key);
    if (!s) {
      s = { generation: ++this.epoch };
      this.slots.set(key, s);
    }
    return s;
  }

  /** The cached list, or `undefined` when it must be fetched. */
  get(backend: string, kind: ListKind): readonly T[] | undefined {
    return this.slots.get(`${kind}\u0000${backend}`)?.items;
  }

  /** Starts a fetch of the list. */
  begin(backend: string, kind: ListKind): FetchTicket {
    return { backend, kind, generation: this.slot(backend, kind).generation };
  }

  /** Stores a fetched list; false (nothing stored) if the list was invalidated since `begin`. */
  complete(ticket: FetchTicket, items: readonly T[]): boolean {
    const s = this.slot(ticket.backend, ticket.kind);
    if (s.generation !== ticket.generation) return false;
    s.items = items;
    return true;
  }

  /** Forgets a backend's list of `kind`, or all its lists (a restart, a new worker). */
  invalidate(backend: string, kind?: ListKind): void {
    for (const k of kind ? [kind] : ALL_KINDS) {
      const s = this.slot(backend, k);
      s.generation = ++this.epoch;
      s.items = undefined;
    }
  }

  /**
   * Applies a backend's notification; returns the kinds it invalidated (empty for any other
   * notification), so the caller can tell clients that the merged list changed.
   */
  onNotification(backend: string, notification: { method: string }): readonly ListKind[] {
    const kinds = LIST_CHANGED_NOTIFICATIONS.get(notification.method) ?? [];
    for (const kind of kinds) this.invalidate(backend, kind);
    return kinds;
  }

  /** Drops everything kept for a backend that left the configuration. */
  remove(backend: string): void {
    for (const kind of ALL_KINDS) this.slots.delete(`${kind}\u0000${backend}`);
  }

  /**
   * Drops the lists kept under `backend` + U+0001 + anything (an isolated backend's per-session or
   * per-principal lists).
   */
  removeScoped(backend: string): void {
    for (const kind of ALL_KINDS) {
      const prefix = `${kind}\u0000${backend}\u0001`;
      for (const key of [...this.slots.keys()]) if (key.startsWith(prefix)) this.slots.delete(key);
    }
  }
}
