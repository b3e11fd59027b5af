import { describe, expect, it } from 'vitest';
import type { Candidate } from './candidate.ts';
import { RendezvousPicker } from './rendezvous.ts';

const keys = Array.from({ length: 10_000 }, (_, i) => `session-${i}`);

function workers(n: number, prefix = 'w'): Candidate[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, outstanding: 0 }));
}

function assign(picker: RendezvousPicker, cs: readonly Candidate[]): Map<string, string> {
  return new Map(keys.map((k) => [k, picker.pick(cs, k)!.id]));
}

describe('RendezvousPicker', () => {
  it('sends a key to the same candidate every time, whatever the order of the list', () => {
    const picker = new RendezvousPicker();
    const cs = workers(8);
    const reversed = [...cs].reverse();
    for (const k of keys.slice(0, 200)) expect(picker.pick(reversed, k)).toBe(picker.pick(cs, k));
  });

  it('spreads keys evenly', () => {
    const counts = new Map<string, number>();
    for (const id of assign(new RendezvousPicker(), workers(5)).values())
      counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(counts.size).toBe(5);
    for (const n of counts.values()) expect(Math.abs(n - 2000)).toBeLessThan(200);
  });

  it('removing a candidate moves only the keys it held', () => {
    const picker = new RendezvousPicker();
    const cs = workers(10);
    const before = assign(picker, cs);
    const after = assign(
      picker,
      cs.filter((c) => c.id !== 'w3'),
    );
    let moved = 0;
    for (const k of keys) {
      if (before.get(k) !== after.get(k)) {
        moved++;
        expect(before.get(k)).toBe('w3');
      }
    }
    const owned = [...before.values()].filter((id) => id === 'w3').length;
    expect(moved).toBe(owned);
    expect(moved / keys.length).toBeGreaterThan(0.07);
    expect(moved / keys.length).toBeLessThan(0.13);
  });

  it('adding a candidate moves about 1/(n+1) of the keys, all to the newcomer', () => {
    const picker = new RendezvousPicker();
    const cs = workers(9);
    const before = assign(picker, cs);
    const after = assign(picker, [...cs, { id: 'new', outstanding: 0 }]);
    let moved = 0;
    for (const k of keys) {
      if (before.get(k) !== after.get(k)) {
        moved++;
        expect(after.get(k)).toBe('new');
      }
    }
    expect(moved / keys.length).toBeGreaterThan(0.07);
    expect(moved / keys.length).toBeLessThan(0.13);
  });

  it('gives a candidate of weight 3 about three times the keys of weight 1', () => {
    const cs: Candidate[] = [
      { id: 'heavy', outstanding: 0, weight: 3 },
      { id: 'light', outstanding: 0, weight: 1 },
    ];
    const heavy = [...assign(new RendezvousPicker(), cs).values()].filter((id) => id === 'heavy').length;
    expect(heavy / keys.length).toBeGreaterThan(0.72);
    expect(heavy / keys.length).toBeLessThan(0.78);
  });

  it('with boundedLoad, a hot key overflows from a loaded first choice to its next-ranked candidate', () => {
    const plain = new RendezvousPicker();
    const bounded = new RendezvousPicker({ boundedLoad: 1.25 });
    const idle = workers(4);
    const key = 'hot-tenant';
    const first = plain.pick(idle, key)!;
    const second = plain.pick(
      idle.filter((c) => c !== first),
      key,
    )!;
    // first choice holds 10 of 13 outstanding: cap = ⌈1.25 × 14 / 4⌉ = 5
    const loaded = idle.map((c) => ({ ...c, outstanding: c.id === first.id ? 10 : 1 }));
    expect(plain.pick(loaded, key)!.id).toBe(first.id);
    expect(bounded.pick(loaded, key)!.id).toBe(second.id);
    // under the cap, the first choice keeps the key
    const light = idle.map((c) => ({ ...c, outstanding: c.id === first.id ? 4 : 3 }));
    expect(bounded.pick(light, key)!.id).toBe(first.id);
  });

  it('with boundedLoad, no candidate goes over the cap when one key takes all the traffic', () => {
    const picker = new RendezvousPicker({ boundedLoad: 1.25 });
    const cs = workers(4).map((c) => ({ ...c }));
    for (let i = 0; i < 100; i++) {
      const c = picker.pick(cs, 'one-key')!;
      c.outstanding++;
    }
    const max = Math.max(...cs.map((c) => c.outstanding));
    expect(max).toBeLessThanOrEqual(Math.ceil((1.25 * 100) / 4));
  });

  it('without an affinity key uses the fallback picker', () => {
    const picker = new RendezvousPicker();
    const cs = [
      { id: 'a', outstanding: 2 },
      { id: 'b', outstanding: 0 },
    ];
    expect(picker.pick(cs)?.id).toBe('b');
    const first = { pick: <C extends Candidate>(c: readonly C[]) => c[0] };
    expect(new RendezvousPicker({ fallback: first }).pick(cs)?.id).toBe('a');
  });

  it('gives the same answers as a fresh picker when the list is reused and changed in place', () => {
    const reused = new RendezvousPicker();
    const list = workers(6);
    for (let round = 0; round < 20; round++) {
      // replace, remove and reorder candidates in the same array, as a pool reusing a buffer does
      list[round % list.length] = { id: `r${round}`, outstanding: 0 };
      if (round % 3 === 0) list.pop();
      if (round % 4 === 0) list.push({ id: `p${round}`, outstanding: 0 });
      list.reverse();
      for (const k of keys.slice(0, 50))
        expect(reused.pick(list, k)).toBe(new RendezvousPicker().pick(list, k));
    }
  });

  it('handles 0 and 1 candidates and rejects bad input', () => {
    const picker = new RendezvousPicker();
    expect(picker.pick([], 'k')).toBeUndefined();
    expect(picker.pick([{ id: 'a', outstanding: 0 }], 'k')?.id).toBe('a');
    expect(() => new RendezvousPicker({ boundedLoad: 0.9 })).toThrow(
      /"boundedLoad" must be a finite number ≥ 1/,
    );
    expect(() => new RendezvousPicker({ fallback: {} as never })).toThrow(/"fallback" must be a Picker/);
    expect(() => picker.pick(workers(2), 42 as never)).toThrow(/"affinityKey" must be a string/);
    expect(() =>
      picker.pick(
        [
          { id: 'a', outstanding: 0, weight: -1 },
          { id: 'b', outstanding: 0 },
        ],
        'k',
      ),
    ).toThrow(/candidate "a" has weight -1/);
  });
});
