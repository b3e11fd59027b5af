/**
 * The backends as the routing core sees them, whatever the client's era: leases from the tier
 * manager, one `BackendWorker` (and its handshake, made once) per worker, each backend's lists
 * (cached until its `list_changed`) merged across backends, failures as reasons, never throws.
 */
import type { CancelSignal } from '@switchyard/flow-balancer';
import type { BackendInitializeInfo, Implementation } from '../aggregate/initialize.ts';
import { ListCache, type ListKind } from '../aggregate/list-cache.ts';
import {
  mergePrompts,
  mergeResources,
  mergeResourceTemplates,
  mergeTools,
  type NamedItem,
  type ResourceItem,
} from '../aggregate/lists.ts';
import type { BackendOutcome } from '../aggregate/outcome.ts';
import { isJsonObject, type JsonObject, type JsonRpcNotification } from '../jsonrpc/types.ts';
import type { NameTable } from '../naming/name-table.ts';
import type { Isolation, Naming } from '../naming/naming.ts';
import type { ResourceTable } from '../naming/resource-uris.ts';
import { BackendWorker } from './backend-worker.ts';
import { backendHandshake } from './handshake.ts';
import { MergeMemo } from './merge-memo.ts';
import type { AcquireOptions, BackendHandshake, TierPort, WorkerLease } from './port.ts';

export interface ListSpec {
  kind: ListKind;
  /** The key of the items in the result. */
  field: 'tools' | 'prompts' | 'resources' | 'resourceTemplates';
  /** The capability a backend must offer to be asked. */
  capability: 'tools' | 'prompts' | 'resources';
}

export const LISTS: Readonly<Record<string, ListSpec>> = {
  'tools/list': { kind: 'tools', field: 'tools', capability: 'tools' },
  'prompts/list': { kind: 'prompts', field: 'prompts', capability: 'prompts' },
  'resources/list': { kind: 'resources', field: 'resources', capability: 'resources' },
  'resources/templates/list': {
    kind: 'resourceTemplates',
    field: 'resourceTemplates',
    capability: 'resources',
  },
};

export const LIST_CHANGED: Readonly<Record<ListKind, string>> = {
  tools: 'notifications/tools/list_changed',
  prompts: 'notifications/prompts/list_changed',
  resources: 'notifications/resources/list_changed',
  resourceTemplates: 'notifications/resources/list_changed',
};

export interface BackendFleetOptions {
  tiers: TierPort;
  naming: Naming;
  /** How the gateway introduces itself to backends. */
  clientInfo: Implementation;
  /** Longest wait for a lease, the handshake and each list page, ms. */
  timeoutMs: number;
  /**
   * How long an answer that merges every backend (initialize, lists) waits for one that is not
   * ready, ms; then it answers without it, naming it in `_meta`, and later answers do not wait for
   * it until it is ready. Default 10 000.
   */
  waitMs?: number;
  /** A worker's notification not tied to a request, with the lists it invalidated. */
  onNotification(worker: BackendWorker, message: JsonRpcNotification, invalidated: readonly ListKind[]): void;
}

/** Who a lease is for: a front session (or 2026 stand-in) and its principal. */
export interface Requester {
  readonly id: string;
  readonly principal: string | null;
}

/** A lease on a worker of a backend, with the worker's state. */
export interface FleetLease {
  lease: WorkerLease;
  worker: BackendWorker;
}

/** A merged list, with the tables that route its names (or URIs) back to their backends. */
export interface Merged {
  result: JsonObject;
  names?: NameTable;
  uris?: ResourceTable;
}

export class BackendFleet {
  private readonly workers = new Map<string, BackendWorker>();
  private readonly cache = new ListCache<unknown>();
  private readonly memo = new MergeMemo<Merged>();
  /** Sessions without affinity on shared backends (2026 requests under `affinity.key: none`). */
  private readonly loose = new Set<string>();
  private naming: Naming;
  private readonly timeoutMs: number;
  private readonly waitMs: number;
  /** Each backend's capabilities and instructions from its latest handshake (a new session asks no worker). */
  private readonly infos = new Map<string, BackendInitializeInfo>();
  /** The same, read from each worker's handshake once it is done. */
  private readonly workerInfos = new WeakMap<BackendWorker, BackendInitializeInfo>();
  /** Backends an answer stopped waiting for, while that work still runs: later answers do not wait. */
  private readonly starting = new Map<string, Promise<unknown>>();
  /** Per-session backends: the sessions a worker is bound to (by a call, not by a list). */
  private readonly bound = new Map<string, Set<string>>();
  /** Per-session backends: the lists of a worker no session has used, fetched once (see `pristine`). */
  private readonly pristines = new Map<string, Promise<Map<ListKind, readonly unknown[]>>>();
  private probes = 0;
  /** Handshakes this fleet made itself (not counting a tier manager's ready hook). */
  handshakes = 0;
  /** Replies that came after their request was settled, dropped. */
  lateReplies = 0;

  constructor(private readonly options: BackendFleetOptions) {
    this.naming = options.naming;
    this.timeoutMs = options.timeoutMs;
    this.waitMs = options.waitMs ?? 10_000;
  }

  /**
   * The backends changed (configuration reload): names resolve by `naming` from now on, and the
   * cached lists of `stale` backends (removed or replaced) are dropped. Their workers close as the
   * tier manager stops them.
   */
  reconfigure(naming: Naming, stale: readonly string[]): void {
    this.naming = naming;
    for (const backend of stale) {
      this.infos.delete(backend);
      this.pristines.delete(backend);
      this.bound.delete(backend);
      this.starting.delete(backend);
      this.cache.remove(backend);
      this.cache.removeScoped(backend);
    }
    this.memo.clear();
  }

  /**
   * Where `backend`'s lists are kept for `who`: one place for a shared backend; one per session
   * or per principal for an isolated one (its workers' lists differ: one session's resources are
   * not another's).
   */
  private scopeOf(backend: string, who: Requester): string {
    const isolation = this.isolationOf(backend);
    if (isolation === 'per-session') return scopedKey(backend, `s:${who.id}`);
    if (isolation === 'per-principal') return scopedKey(backend, `p:${who.principal ?? ''}`);
    return backend;
  }

  get workerCount(): number {
    return this.workers.size;
  }

  /** The worker `id`, while it lives (a task its backend runs is asked there). */
  worker(id: string): BackendWorker | undefined {
    const worker = this.workers.get(id);
    return worker?.isClosed ? undefined : worker;
  }

  /** A lease on a ready worker of `backend` for `who`, with its handshake done. */
  async acquire(backend: string, who: Requester): Promise<FleetLease> {
    return this.acquireNow(backend, who);
  }

  /**
   * `acquire`, at once — no promise — when a worker is ready now (the tier port hands it so) and
   * its handshake is known: a routed call's usual case. For a routed call (`callTimeoutMs`, what
   * is left of its time, the lease of its first attempt if it `continues`, and its own signal): a
   * place in the backend's admission first, all within the call's time (not the fleet's own wait).
   */
  acquireNow(
    backend: string,
    who: Requester,
    callTimeoutMs?: number,
    continues?: WorkerLease,
    callSignal?: CancelSignal,
  ): FleetLease | Promise<FleetLease> {
    const options: AcquireOptions = {
      session: who.id,
      principal: who.principal ?? '',
      timeoutMs: callTimeoutMs ?? this.timeoutMs,
    };
    if (callTimeoutMs !== undefined) {
      options.admit = true;
      if (continues !== undefined) options.continues = continues;
      if (callSignal !== undefined) options.callSignal = callSignal;
    }
    if (this.loose.has(who.id)) options.sticky = false;
    const tiers = this.options.tiers;
    const got = tiers.acquireNow ? tiers.acquireNow(backend, options) : tiers.acquire(backend, options);
    if (isPromiseLike(got)) return Promise.resolve(got).then((lease) => this.leased(backend, who, lease));
    return this.leased(backend, who, got);
  }

  /** The worker of a lease just granted, once its handshake is done; the lease goes back if that fails. */
  private leased(backend: string, who: Requester, lease: WorkerLease): FleetLease | Promise<FleetLease> {
    try {
      const worker = this.workerOf(backend, lease);
      worker.use(who.id, who.principal);
      worker.scope ??= this.scopeOf(backend, who);
      if (this.isolationOf(backend) === 'per-session') {
        let sessions = this.bound.get(backend);
        if (!sessions) {
          sessions = new Set();
          this.bound.set(backend, sessions);
        }
        sessions.add(who.id);
      }
      // A worker's handshake is made once: what it says is read once too (no wait per call after).
      const info = this.workerInfos.get(worker);
      if (info) {
        this.infos.set(backend, info);
        return { lease, worker };
      }
      return worker
        .handshake!.then((handshake) => {
          const made = infoOf(handshake);
          this.workerInfos.set(worker, made);
          this.infos.set(backend, made);
          return { lease, worker };
        })
        .catch((e: unknown) => {
          lease.release();
          throw e;
        });
    } catch (e) {
      lease.release();
      return Promise.reject(e);
    }
  }

  /**
   * Each backend's capabilities and instructions, as its latest handshake gave them: known ones at
   * once (no worker is leased, so a new session binds no per-session worker and starts no cold
   * one); a backend never yet seen is started, waited for no longer than the wait.
   */
  initializeInfos(who: Requester): Promise<BackendOutcome<BackendInitializeInfo>[]> {
    return Promise.all(
      this.naming.backends.map(({ name }) =>
        this.settle(name, () => {
          const known = this.infos.get(name);
          if (known) return Promise.resolve(known);
          if (this.unbound(name, who)) {
            return this.bounded(name, async () => {
              await this.pristine(name);
              const info = this.infos.get(name);
              if (!info) throw new Error(`backend "${name}": no handshake`);
              return info;
            });
          }
          return this.bounded(name, () =>
            this.withWorker(name, who, async (w) => infoOf(await w.handshake!)),
          );
        }),
      ),
    );
  }

  /**
   * `work` for `backend`, waited for no longer than the wait: past it the answer goes on without
   * the backend (the work still runs, and fills the caches when it ends), and until it ends later
   * answers do not wait for that backend at all. A slow or hanging backend slows only itself.
   */
  private async bounded<T>(backend: string, work: () => Promise<T>): Promise<T> {
    if (this.starting.has(backend)) {
      throw new Error(`backend "${backend}": not ready yet (still starting); left out of this answer`);
    }
    const running = work();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = Symbol('late');
    const timeout = new Promise<typeof late>((resolve) => {
      timer = setTimeout(() => resolve(late), this.waitMs);
    });
    try {
      const first = await Promise.race([running, timeout]);
      if (first !== late) return first as T;
    } finally {
      clearTimeout(timer);
    }
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    this.starting.set(backend, settled);
    void settled.then(() => {
      if (this.starting.get(backend) === settled) this.starting.delete(backend);
    });
    throw new Error(
      `backend "${backend}": not ready after ${this.waitMs} ms (still starting); left out of this answer`,
    );
  }

  /** `sessionId` keeps to no worker of a shared backend: each request takes the least busy one. */
  looseAffinity(sessionId: string): void {
    this.loose.add(sessionId);
  }

  /** The session ended: its requests in flight on every worker are cancelled there; its own lists go. */
  closeSession(sessionId: string): void {
    this.loose.delete(sessionId);
    for (const sessions of this.bound.values()) sessions.delete(sessionId);
    for (const worker of this.workers.values()) worker.closeSession(sessionId);
    for (const b of this.naming.backends) {
      if (b.isolation === 'per-session') this.cache.remove(scopedKey(b.name, `s:${sessionId}`));
    }
  }

  /** The principal's last session ended: the lists kept for it go. */
  closePrincipal(principal: string | null): void {
    for (const b of this.naming.backends) {
      if (b.isolation === 'per-principal') this.cache.remove(scopedKey(b.name, `p:${principal ?? ''}`));
    }
  }

  /** The merged list of `spec` over `backends`, with the table that routes its names back. */
  /**
   * The merged list of `spec` over `backends`, with the table that routes its names back. `wait`:
   * a backend not ready within the wait is left out (named in `_meta`); without it (routing a
   * request to the backends that can own its name) each is waited for up to the timeout.
   */
  async merged(
    who: Requester,
    spec: ListSpec,
    backends: readonly string[],
    options: { wait?: boolean } = {},
  ): Promise<Merged> {
    const outcomes = await Promise.all(
      backends.map((b) =>
        this.settle(b, () => {
          if (options.wait === false) return this.backendList(b, spec, who);
          const cached = this.cache.get(this.scopeOf(b, who), spec.kind);
          return cached ? Promise.resolve(cached) : this.bounded(b, () => this.backendList(b, spec, who));
        }),
      ),
    );
    const allOk = outcomes.every((o) => o.ok);
    const key = allOk ? `${spec.kind}\u0000${backends.join('\u0000')}` : '';
    const inputs = allOk ? outcomes.map((o) => (o.ok ? o.value : undefined)) : [];
    if (allOk) {
      const hit = this.memo.get(key, this.naming, inputs);
      if (hit) return hit;
    }
    const merged = this.merge(spec, outcomes);
    if (allOk) this.memo.set(key, this.naming, inputs, merged);
    return merged;
  }

  /**
   * What `merged(who, spec, backends, { wait: false })` gives, when it can be had without waiting:
   * every backend's list is in the cache and their last merge still stands (the same arrays under
   * the same naming). Undefined otherwise — then ask `merged`. Routing a steady stream of calls
   * takes this path: no promise, no merge.
   */
  mergedNow(who: Requester, spec: ListSpec, backends: readonly string[]): Merged | undefined {
    const inputs: (readonly unknown[])[] = [];
    for (const b of backends) {
      const cached = this.cache.get(this.scopeOf(b, who), spec.kind);
      if (!cached) return undefined;
      inputs.push(cached);
    }
    return this.memo.get(`${spec.kind}\u0000${backends.join('\u0000')}`, this.naming, inputs);
  }

  private merge(spec: ListSpec, outcomes: BackendOutcome<readonly unknown[]>[]): Merged {
    switch (spec.kind) {
      case 'tools':
        return mergeTools(this.naming, outcomes as BackendOutcome<NamedItem[]>[]);
      case 'prompts':
        return mergePrompts(this.naming, outcomes as BackendOutcome<NamedItem[]>[]);
      case 'resourceTemplates':
        return mergeResourceTemplates(this.naming, outcomes as BackendOutcome<NamedItem[]>[]);
      case 'resources':
        return mergeResources(this.naming, outcomes as BackendOutcome<ResourceItem[]>[]);
    }
  }

  /** One backend's whole list (all its pages), from the cache or fetched. */
  private async backendList(backend: string, spec: ListSpec, who: Requester): Promise<readonly unknown[]> {
    const scope = this.scopeOf(backend, who);
    const cached = this.cache.get(scope, spec.kind);
    if (cached) return cached;
    if (this.unbound(backend, who)) {
      return (await this.pristine(backend)).get(spec.kind) ?? [];
    }
    return this.withWorker(backend, who, (worker) => this.fetchList(worker, scope, spec));
  }

  /** Every page of `spec`'s list from `worker`, kept in the cache under `scope`. */
  private async fetchList(worker: BackendWorker, scope: string, spec: ListSpec): Promise<readonly unknown[]> {
    const handshake = await worker.handshake!;
    if (!isJsonObject(handshake.result.capabilities?.[spec.capability])) return [];
    const ticket = this.cache.begin(scope, spec.kind);
    const method = Object.keys(LISTS).find((m) => LISTS[m] === spec)!;
    const items: unknown[] = [];
    let cursor: string | undefined;
    do {
      const page = await worker.request(
        method,
        cursor === undefined ? undefined : { cursor },
        this.timeoutMs,
      );
      const got = page[spec.field];
      if (Array.isArray(got)) items.push(...got);
      cursor = typeof page.nextCursor === 'string' ? page.nextCursor : undefined;
    } while (cursor !== undefined);
    this.cache.complete(ticket, items);
    return items;
  }

  /**
   * A per-session backend `who` has not called yet: its lists and capabilities are those of a
   * worker no session has used, so listing binds no worker to the session (a worker is bound at
   * the session's first call, and its lists are the session's own from then on).
   */
  private unbound(backend: string, who: Requester): boolean {
    return this.isolationOf(backend) === 'per-session' && !this.bound.get(backend)?.has(who.id);
  }

  /**
   * Once per backend: a worker bound to no client session (a probe the gateway ends at once) gives
   * its handshake and every list it offers; they answer sessions that have not called the backend.
   */
  private pristine(backend: string): Promise<Map<ListKind, readonly unknown[]>> {
    let running = this.pristines.get(backend);
    if (running) return running;
    const probe: Requester = { id: `\u0000probe-${++this.probes}`, principal: null };
    running = (async () => {
      const lease = await this.options.tiers.acquire(backend, {
        session: probe.id,
        timeoutMs: this.timeoutMs,
      });
      try {
        const worker = this.workerOf(backend, lease);
        worker.scope ??= pristineKey(backend);
        const handshake = await worker.handshake!;
        this.infos.set(backend, infoOf(handshake));
        // Kept apart from the list cache: the probe's own list_changed (a server that adds tools
        // once initialized says so) must not empty them once the probe is gone.
        const lists = new Map<ListKind, readonly unknown[]>();
        for (const spec of new Set(Object.values(LISTS))) {
          lists.set(spec.kind, await this.fetchList(worker, pristineKey(backend), spec));
        }
        return lists;
      } finally {
        lease.release();
        void this.options.tiers.endSession(probe.id).catch(() => {});
      }
    })();
    this.pristines.set(backend, running);
    running.catch(() => {
      if (this.pristines.get(backend) === running) this.pristines.delete(backend);
    });
    return running;
  }

  /** Runs `fn` on a ready worker of `backend` leased for `who`. */
  async withWorker<T>(backend: string, who: Requester, fn: (w: BackendWorker) => Promise<T>): Promise<T> {
    const { lease, worker } = await this.acquire(backend, who);
    try {
      return await fn(worker);
    } finally {
      lease.release();
    }
  }

  /** The state of the leased worker; its handshake is started the first time only. */
  private workerOf(backend: string, lease: WorkerLease): BackendWorker {
    let worker = this.workers.get(lease.worker.id);
    if (!worker) {
      worker = new BackendWorker(backend, lease.worker, {
        notification: (w, m) => this.backendNotification(w, m),
        late: () => {
          this.lateReplies++;
        },
        closed: (w) => {
          if (this.workers.get(w.id) === w) this.workers.delete(w.id);
        },
      });
      this.workers.set(worker.id, worker);
    }
    if (!worker.handshake) {
      const w = worker;
      this.handshakes++;
      w.handshake = backendHandshake(
        {
          request: (method, params) => w.request(method, params, this.timeoutMs),
          notify: (method) => w.notify(method),
        },
        this.options.clientInfo,
      );
      w.handshake.catch(() => {});
    }
    return worker;
  }

  private backendNotification(worker: BackendWorker, message: JsonRpcNotification): void {
    const kinds = this.cache.onNotification(worker.scope ?? worker.backend, message);
    this.options.onNotification(worker, message, kinds);
  }

  /** Who shares a worker of `backend` (`shared` for one the configuration no longer holds). */
  /** Forgets the shared lists of `backend` of these kinds (they changed elsewhere: another node said so). */
  invalidateLists(backend: string, kinds: readonly ListKind[]): void {
    for (const kind of kinds) this.cache.invalidate(backend, kind);
  }

  isolationOf(backend: string): Isolation {
    return this.naming.has(backend) ? this.naming.backend(backend).isolation : 'shared';
  }

  /** Whether `backend`'s workers each serve one session or one principal. */
  isIsolated(backend: string): boolean {
    return this.isolationOf(backend) !== 'shared';
  }

  /** A backend's answer as a `BackendOutcome`: a failure is a reason, never a throw. */
  async settle<T>(backend: string, fn: () => Promise<T>): Promise<BackendOutcome<T>> {
    try {
      return { backend, ok: true, value: await fn() };
    } catch (e) {
      return { backend, ok: false, reason: reasonOf(e) };
    }
  }
}

/** What a client's initialize learns of a backend from its handshake. */
function infoOf(handshake: BackendHandshake): BackendInitializeInfo {
  const { result } = handshake;
  const info: BackendInitializeInfo = {
    capabilities: isJsonObject(result.capabilities) ? result.capabilities : {},
  };
  if (typeof result.instructions === 'string') info.instructions = result.instructions;
  return info;
}

/** The list-cache key of a per-session backend's lists as a worker no session used gives them. */
function pristineKey(backend: string): string {
  return scopedKey(backend, 'pristine');
}

/** The list-cache key of an isolated backend's lists for one session (`s:`) or principal (`p:`). */
function scopedKey(backend: string, scope: string): string {
  return `${backend}\u0001${scope}`;
}

export function reasonOf(e: unknown): string {
  if (e instanceof Error) return e.message.replace(/^backend "[^"]*": /, '');
  return String(e);
}

/** A promise (or any thenable) rather than a value in hand. */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
