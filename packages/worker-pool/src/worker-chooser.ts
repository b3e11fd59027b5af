/**
 * Which ready worker gets the next task: the flow-balancer picker, over the workers with a free
 * slot. Each ready worker has one candidate object, updated in place, so a pick allocates nothing
 * but the list of workers with room.
 */
import {
  type Candidate,
  type Clock,
  LeastOutstandingPicker,
  P2CPicker,
  PeakEwma,
  type Picker,
  type RandomSource,
} from '@switchyard/flow-balancer';
import type { WorkerSlot } from './worker-slot.ts';

interface SlotCandidate extends Candidate {
  outstanding: number;
  latencyMs?: number;
  readonly slot: WorkerSlot;
  readonly ewma: PeakEwma | undefined;
}

export class WorkerChooser {
  readonly #picker: Picker;
  readonly #concurrency: number;
  readonly #trackLatency: boolean;
  readonly #candidates: SlotCandidate[] = [];
  readonly #room: SlotCandidate[] = [];
  /** Least-outstanding: ties go to the last choice (see `choose`). */
  readonly #sticky: boolean;
  #last: SlotCandidate | undefined;

  readonly #clock: Clock;

  constructor(
    picker: 'least-outstanding' | 'p2c' | Picker,
    concurrency: number,
    clock: Clock,
    random: RandomSource,
  ) {
    this.#clock = clock;
    this.#concurrency = concurrency;
    this.#trackLatency = picker === 'p2c' || typeof picker === 'object';
    this.#sticky = picker === 'least-outstanding';
    this.#picker =
      picker === 'least-outstanding'
        ? new LeastOutstandingPicker()
        : picker === 'p2c'
          ? new P2CPicker({ random })
          : picker;
  }

  add(slot: WorkerSlot): void {
    this.#candidates.push({
      id: String(slot.id),
      outstanding: 0,
      slot,
      ewma: this.#trackLatency ? new PeakEwma({ clock: this.#clock }) : undefined,
    });
  }

  remove(slot: WorkerSlot): void {
    const i = this.#candidates.findIndex((c) => c.slot === slot);
    if (i !== -1) this.#candidates.splice(i, 1);
    if (this.#last?.slot === slot) this.#last = undefined;
  }

  get size(): number {
    return this.#candidates.length;
  }

  /**
   * A ready worker with a free slot, or undefined when all are full. With least-outstanding, a tie
   * that includes the worker chosen last goes to it: its thread or process is awake, where waking
   * an idle one costs tens of microseconds (a caller doing one task at a time stays on one worker).
   */
  choose(affinityKey?: string): WorkerSlot | undefined {
    if (affinityKey !== undefined) {
      const kept = this.#byAffinity(affinityKey);
      if (kept) return kept;
    }
    const all = this.#candidates;
    const room = this.#room;
    room.length = 0;
    const max = this.#concurrency;
    let least = max;
    for (let i = 0; i < all.length; i++) {
      const c = all[i]!;
      const outstanding = c.slot.outstanding;
      if (outstanding < max) {
        c.outstanding = outstanding;
        room.push(c);
        if (outstanding < least) least = outstanding;
      }
    }
    if (room.length === 0) return undefined;
    if (room.length === 1) return room[0]!.slot;
    const last = this.#last;
    if (this.#sticky && last !== undefined && last.slot.outstanding === least) {
      return last.slot;
    }
    const picked = this.#picker.pick(room, affinityKey);
    this.#last = picked;
    return picked?.slot;
  }

  /**
   * The worker the picker gives `key` among all ready workers (so a hashing picker keeps its
   * mapping stable), when it has a free slot. When it is full the task spills to the usual choice:
   * affinity holds while the worker has room.
   */
  #byAffinity(key: string): WorkerSlot | undefined {
    const all = this.#candidates;
    for (let i = 0; i < all.length; i++) all[i]!.outstanding = all[i]!.slot.outstanding;
    const picked = this.#picker.pick(all, key);
    return picked && picked.slot.outstanding < this.#concurrency ? picked.slot : undefined;
  }

  /** A task on `slot` took `ms` (feeds the latency-aware pickers). */
  observe(slot: WorkerSlot, ms: number): void {
    if (!this.#trackLatency) return;
    const c = this.#candidates.find((x) => x.slot === slot);
    if (!c?.ewma) return;
    c.ewma.observe(ms);
    c.latencyMs = c.ewma.value;
  }
}
