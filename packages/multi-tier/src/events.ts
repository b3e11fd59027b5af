/** The manager's typed events — every decision with its reason and figures — and their hub. */
import type { JsonRpcMessage } from '@switchyard/worker-pool';
import type { TierDecision } from './auto-policy.ts';
import type { DemandFigures } from './demand.ts';
import type { Isolation, Tier, TierSetting } from './spec.ts';

/** Why a worker was started. */
export type StartReason = 'hot' | 'spare' | 'demand';

/** Why a worker was stopped on purpose. */
export type StopReason =
  | 'idle-ttl' // warm: unused for idleTtlMs
  | 'released' // cold: its last lease was released
  | 'session-end' // per-session: its session ended (per-principal: the principal's last session)
  | 'unclaimed' // started for an acquire that gave up, and the tier keeps no idle worker
  | 'evicted' // the global budget needed room
  | 'made-room' // per-principal at replicas.max: the least recently served idle principal's worker, for a new principal
  | 'refused' // its start was refused for its principal (session) alone: BindingRefusedError from `ready` or `connect`
  | 'backend-removed' // removeBackend(): idle at once, leased at their last release or the drain's end
  | 'manager-stop';

export type MultiTierEvent =
  | { type: 'manager-state'; state: 'starting' | 'ready' | 'stopping' | 'stopped' }
  | {
      type: 'worker-starting';
      backend: string;
      workerId: number;
      /** The process id (stdio backends), known from the spawn. */
      pid: number | undefined;
      tier: Tier;
      reason: StartReason;
    }
  | { type: 'worker-ready'; backend: string; workerId: number; pid: number | undefined; startMs: number }
  | { type: 'worker-stopped'; backend: string; workerId: number; reason: StopReason }
  /**
   * A message a worker sent on its own (notifications such as list_changed or resource updates,
   * requests to the client), whether or not a lease on it is held.
   */
  | { type: 'worker-message'; backend: string; workerId: number; message: JsonRpcMessage }
  | {
      type: 'worker-died';
      backend: string;
      workerId: number;
      pid: number | undefined;
      detail: string;
      stderrTail: readonly string[];
      /** The binding of the worker (a session; for per-principal backends the principal's key). */
      session?: string;
      /** Per-principal backends: the principal the worker was bound to. */
      principal?: string;
    }
  /**
   * A worker was bound to a session — or, on a per-principal backend, to a principal: `session` is
   * then the binding's key (not a session id) and `principal` names the principal.
   */
  | {
      type: 'session-bound';
      backend: string;
      session: string;
      workerId: number;
      spare: boolean;
      principal?: string;
    }
  | {
      type: 'session-lost';
      backend: string;
      session: string;
      workerId: number;
      detail: string;
      principal?: string;
    }
  | {
      type: 'backend-failed';
      backend: string;
      reason: string;
      stderrTail: readonly string[];
      failures: number;
      retryInMs: number;
    }
  | { type: 'backend-retry'; backend: string; failures: number }
  | { type: 'backend-recovered'; backend: string }
  /**
   * Outlier ejection: a worker of a shared backend failed `consecutiveFailures` calls in a row and is
   * left out of the choice until `until` (manager's clock) while another ready worker serves.
   */
  | { type: 'worker-ejected'; backend: string; workerId: number; until: number; ejections: number }
  /** The backend's circuit breaker changed state; `retryAt` (manager's clock) when it opened. */
  | { type: 'breaker-state'; backend: string; state: 'closed' | 'open' | 'half-open'; retryAt?: number }
  /** `addBackend()`: the backend joined (its hot workers, if any, are starting). */
  | { type: 'backend-added'; backend: string; tier: TierSetting; isolation: Isolation }
  /**
   * `removeBackend()` began: the backend takes no new acquires; its idle workers are stopping and
   * `leases` leases out may finish for up to `timeoutMs`.
   */
  | { type: 'backend-removing'; backend: string; leases: number; timeoutMs: number }
  /** Every worker of a removed backend has exited; `leasesCut` leases were still out when the drain ended. */
  | { type: 'backend-removed'; backend: string; leasesCut: number }
  | ({ type: 'tier-changed' } & TierDecision)
  | {
      type: 'eviction';
      backend: string;
      workerId: number;
      /** The backend that needed the room. */
      forBackend: string;
      reason: string;
      figures: DemandFigures;
    };

export type MultiTierEventType = MultiTierEvent['type'];
export type MultiTierEventOf<K extends MultiTierEventType> = Extract<MultiTierEvent, { type: K }>;
type Listener = (event: MultiTierEvent) => void;

export class EventHub {
  readonly #listeners = new Map<string, Set<Listener>>();

  on(type: MultiTierEventType | '*', listener: Listener): () => void {
    const set = this.#listeners.get(type) ?? new Set<Listener>();
    this.#listeners.set(type, set);
    set.add(listener);
    return () => void set.delete(listener);
  }

  emit(event: MultiTierEvent): void {
    for (const key of [event.type, '*']) {
      for (const listener of this.#listeners.get(key) ?? []) {
        try {
          listener(event);
        } catch (e) {
          // A listener's bug must not break the manager's bookkeeping.
          console.error('@switchyard/multi-tier: an event listener threw', e);
        }
      }
    }
  }
}
