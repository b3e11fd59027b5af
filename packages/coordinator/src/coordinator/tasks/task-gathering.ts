/**
 * 2026-07-28 task-augmented calls still gathering their input before their task is made (see
 * `task-decision.ts`): the call is parked for its client's retry under a `requestState`; the
 * retry that carries the answers resumes it, and the task is made then (or the call asks again).
 * One entry per parked call, by its `requestState`; an entry whose client never came back goes
 * after `maxAgeMs` (the park itself ends the call). Each counts against its principal's task bound.
 */
import type { JsonRpcRequest } from '../../jsonrpc/types.ts';

/** A call that will be a task once its input is in. */
export interface GatheringCall {
  /** The task's id, chosen when the call started (the call runs under `innerRequestId(taskId)`). */
  readonly taskId: string;
  readonly owner: string | null;
  /** The call as the backend got it. */
  readonly inner: JsonRpcRequest;
  /** Whether its backend runs it as a task itself. */
  readonly forwarded: boolean;
}

export class TaskGathering {
  private readonly byState = new Map<string, { call: GatheringCall; at: number }>();

  /** `dropped`: told of each call whose client did not come back within `maxAgeMs`. */
  constructor(
    private readonly now: () => number,
    private readonly maxAgeMs: number,
    private readonly dropped: (call: GatheringCall) => void = () => {},
  ) {}

  /** `call` is parked under `requestState`. */
  add(requestState: string, call: GatheringCall): void {
    this.byState.set(requestState, { call, at: this.now() });
  }

  /** The call parked under `requestState` for `owner`, taken out; undefined if none (or another's). */
  take(requestState: string, owner: string | null): GatheringCall | undefined {
    this.sweep();
    const entry = this.byState.get(requestState);
    if (!entry || entry.call.owner !== owner) return undefined;
    this.byState.delete(requestState);
    return entry.call;
  }

  /** How many of `owner`'s calls gather their input now. */
  heldBy(owner: string | null): number {
    this.sweep();
    let n = 0;
    for (const { call } of this.byState.values()) if (call.owner === owner) n++;
    return n;
  }

  private sweep(): void {
    const oldest = this.now() - this.maxAgeMs;
    for (const [state, { call, at }] of this.byState) {
      if (at >= oldest) continue;
      this.byState.delete(state);
      this.dropped(call);
    }
  }
}
