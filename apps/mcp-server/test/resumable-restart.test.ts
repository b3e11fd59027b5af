/**
 * Resumable streams across processes: one `ResumableStreams` journals into a real SQLite file and
 * closes; a fresh one (another epoch, as a restarted gateway) on the same file serves
 * `Last-Event-ID` from the journal, names its own streams apart from its predecessor's, and carries
 * the session's GET stream on. Priming ids (`#0`, or where a GET stream stood) resume too.
 */
import { join } from 'node:path';
import type { JsonRpcMessage } from '@switchyard/coordinator';
import { createJournal, type Journal, memoryDriver, sqliteDriver } from '@switchyard/journal';
import { describe, expect, it } from 'vitest';
import {
  newEpoch,
  type OpenedItem,
  PRIMING_RETRY_MS,
  ResumableStreams,
  sendsPriming,
} from '../src/http/resumable.ts';
import { tempDir } from './support/gateway.ts';

function note(n: number): JsonRpcMessage {
  return { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: n } };
}

/** What a message says (its number), or `priming`. */
function said(item: OpenedItem): number | 'priming' {
  if ('priming' in item) return 'priming';
  return (item.message as unknown as { params: { data: number } }).params.data;
}

/** A source the test feeds by hand: `push` a message, `end` it. */
function feed(): { source: AsyncIterator<JsonRpcMessage>; push(m: JsonRpcMessage): void; end(): void } {
  const queued: IteratorResult<JsonRpcMessage>[] = [];
  let waiting: ((r: IteratorResult<JsonRpcMessage>) => void) | undefined;
  const give = (r: IteratorResult<JsonRpcMessage>) => {
    const w = waiting;
    waiting = undefined;
    if (w) w(r);
    else queued.push(r);
  };
  return {
    source: {
      next: () => {
        const head = queued.shift();
        if (head) return Promise.resolve(head);
        return new Promise((resolve) => {
          waiting = resolve;
        });
      },
      return: () => {
        give({ value: undefined, done: true });
        return Promise.resolve({ value: undefined, done: true });
      },
    },
    push: (m) => give({ value: m, done: false }),
    end: () => give({ value: undefined, done: true }),
  };
}

/** The next `n` items, each within 5 s (a missing one fails the test instead of hanging it). */
async function take(items: AsyncIterator<OpenedItem>, n: number): Promise<OpenedItem[]> {
  const got: OpenedItem[] = [];
  for (let i = 0; i < n; i++) {
    const next = await Promise.race([
      items.next(),
      Bun.sleep(5_000).then(() => {
        throw new Error(`item ${i + 1} of ${n} did not come within 5 s`);
      }),
    ]);
    if (next.done) throw new Error(`the stream ended after ${i} of ${n} items`);
    got.push(next.value);
  }
  return got;
}

/** Every item up to the end (at most 1000), each within 5 s. */
async function rest(items: AsyncIterator<OpenedItem>): Promise<OpenedItem[]> {
  const got: OpenedItem[] = [];
  for (let i = 0; i < 1_000; i++) {
    const next = await Promise.race([
      items.next(),
      Bun.sleep(5_000).then(() => {
        throw new Error(`the stream neither ended nor went on within 5 s (after ${got.length} items)`);
      }),
    ]);
    if (next.done) return got;
    got.push(next.value);
  }
  throw new Error('more than 1000 items');
}

/** Waits (bounded) until the journal holds `n` events of `streamId`. */
async function journaled(journal: Journal, streamId: string, n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await journal.readAfter(streamId)).length >= n) return;
    await Bun.sleep(10);
  }
  throw new Error(`the journal did not reach ${n} events of ${streamId}`);
}

async function openJournal(path: string): Promise<Journal> {
  return createJournal({ driver: sqliteDriver({ path }) });
}

describe('resumable streams across processes', () => {
  it('a fresh process on the same journal serves Last-Event-ID and the priming id; its own streams are named apart', async () => {
    const path = join(await tempDir(), 'journal.db');
    const first = await openJournal(path);
    const before = new ResumableStreams(first, { epoch: 'one' });
    const call = feed();
    const items = before.open('s', call.source, [note(1)], undefined, { priming: true });
    for (let n = 2; n <= 5; n++) call.push(note(n));
    call.end();
    // The priming event comes first: an id before the first event, the retry.
    const [priming, ...firstTwo] = await take(items, 3);
    expect(priming).toEqual({ id: 's.one-r1#0', retryMs: PRIMING_RETRY_MS, priming: true });
    // Not all of it was read: the connection drops after 1 and 2 …
    expect(firstTwo.map(said)).toEqual([1, 2]);
    await items.return?.();
    // … and the process ends with the stream in the journal.
    await journaled(first, 's.one-r1', 5);
    await first.close();

    const second = await openJournal(path);
    try {
      const after = new ResumableStreams(second, { epoch: 'two' });
      const last = firstTwo[1]!;
      expect(last.id).toBe('s.one-r1#2');
      // After the last event seen: the remaining three, then the stream ends.
      const resumed = await after.resume('s', last.id);
      if (!resumed.ok) throw new Error(resumed.reason);
      const remaining = await rest(resumed.items);
      expect(remaining.map(said)).toEqual([3, 4, 5]);
      expect(remaining.map((i) => i.id)).toEqual(['s.one-r1#3', 's.one-r1#4', 's.one-r1#5']);
      // After the priming event: the whole stream.
      const fromStart = await after.resume('s', priming!.id);
      if (!fromStart.ok) throw new Error(fromStart.reason);
      expect((await rest(fromStart.items)).map(said)).toEqual([1, 2, 3, 4, 5]);
      // A priming id of a stream never written reads as empty; one of another session is refused.
      const unknown = await after.resume('s', 's.one-r9#0');
      if (!unknown.ok) throw new Error(unknown.reason);
      expect(await rest(unknown.items)).toEqual([]);
      expect(await after.resume('t', 's.one-r1#0')).toMatchObject({ ok: false, status: 404 });
      expect(await after.resume('t', 's.one-r1#2')).toMatchObject({ ok: false, status: 404 });
      expect(await after.resume('s', 's.one-r1#00')).toMatchObject({ ok: false, status: 400 });

      // The new process's first request stream is its own, not `r1` of the old one continued.
      const next = feed();
      const mine = after.open('s', next.source, [note(10)], undefined, { priming: true });
      next.end();
      const got = await rest(mine);
      expect(got.map((i) => i.id)).toEqual(['s.two-r1#0', 's.two-r1#1']);
      expect((await second.readAfter('s.one-r1')).map((e) => e.id)).toEqual([
        's.one-r1#1',
        's.one-r1#2',
        's.one-r1#3',
        's.one-r1#4',
        's.one-r1#5',
      ]);
    } finally {
      await second.close();
    }
  });

  it("the session's GET stream goes on in the next process: its seqs continue, old ids resume and go on live, priming names where it stands", async () => {
    const path = join(await tempDir(), 'journal.db');
    const first = await openJournal(path);
    const before = new ResumableStreams(first, { epoch: 'one' });
    const outbound = feed();
    const get = before.open('s', outbound.source, [], 'get', { priming: true });
    outbound.push(note(1));
    outbound.push(note(2));
    outbound.push(note(3));
    const seen = await take(get, 4);
    // A new GET stream stands at 0: its priming id replays from its first event.
    expect(seen.map((i) => i.id)).toEqual(['s.get#0', 's.get#1', 's.get#2', 's.get#3']);
    // Within the process, a resume from the priming id while the stream runs: all, once, then live.
    const again = await before.resume('s', 's.get#0');
    if (!again.ok) throw new Error(again.reason);
    expect((await take(again.items, 3)).map(said)).toEqual([1, 2, 3]);
    outbound.push(note(4));
    expect((await take(again.items, 1)).map((i) => i.id)).toEqual(['s.get#4']);
    await again.items.return?.();
    // The process stops (its session's outbound ends with it).
    outbound.end();
    await journaled(first, 's.get', 4);
    await first.close();

    const second = await openJournal(path);
    try {
      const after = new ResumableStreams(second, { epoch: 'two' });
      // The client reconnects with the last id it saw: the journal replays 4; nothing runs the
      // stream here yet, so the resume starts it again from the session's messages and goes on live.
      const revived = feed();
      let asked = 0;
      const resumed = await after.resume('s', 's.get#3', {
        key: 'get',
        source: () => {
          asked++;
          return revived.source;
        },
      });
      if (!resumed.ok) throw new Error(resumed.reason);
      expect(asked).toBe(1);
      expect((await take(resumed.items, 1)).map((i) => i.id)).toEqual(['s.get#4']);
      revived.push(note(5));
      // The seqs go on after the old process's.
      const live = await take(resumed.items, 1);
      expect(live.map((i) => i.id)).toEqual(['s.get#5']);
      expect(live.map(said)).toEqual([5]);
      expect(after.isAttached('s', 'get')).toBe(true);
      // A new GET connection (no Last-Event-ID) is primed with where the stream stands: nothing twice.
      const reopened = after.open('s', feed().source, [], 'get', { priming: true });
      expect(after.isAttached('s', 'get')).toBe(true);
      const [standing] = await take(reopened, 1);
      expect(standing).toEqual({ id: 's.get#5', retryMs: PRIMING_RETRY_MS, priming: true });
      // The connection it replaced has ended.
      expect(await resumed.items.next()).toEqual({ value: undefined, done: true });
      revived.push(note(6));
      expect((await take(reopened, 1)).map((i) => i.id)).toEqual(['s.get#6']);
      // A resume from that priming id gets what came after it, once.
      const fromPriming = await after.resume('s', standing!.id);
      if (!fromPriming.ok) throw new Error(fromPriming.reason);
      expect((await take(fromPriming.items, 1)).map(said)).toEqual([6]);
      revived.end();
      expect(await rest(fromPriming.items)).toEqual([]);
      // The session's source was asked for once: the other connections joined the running stream.
      expect(asked).toBe(1);
    } finally {
      await second.close();
    }
  });

  it('a GET stream opened fresh in a new process is primed with where the journal left it', async () => {
    const path = join(await tempDir(), 'journal.db');
    const first = await openJournal(path);
    // 70 events: the journal is searched, not read whole, for where the stream stands.
    for (let i = 1; i <= 70; i++) await first.append('s.get', JSON.stringify(note(i)), { sessionId: 's' });
    await first.close();
    const second = await openJournal(path);
    try {
      const streams = new ResumableStreams(second, { epoch: 'two' });
      const outbound = feed();
      const get = streams.open('s', outbound.source, [], 'get', { priming: true });
      outbound.push(note(71));
      const got = await take(get, 2);
      expect(got.map((i) => i.id)).toEqual(['s.get#70', 's.get#71']);
      expect(said(got[1]!)).toBe(71);
      outbound.end();
    } finally {
      await second.close();
    }
  });

  it('replays past the 1000 events one journal read returns', async () => {
    const path = join(await tempDir(), 'journal.db');
    const journal = await openJournal(path);
    try {
      for (let i = 1; i <= 2_500; i++) {
        await journal.append('s.old-r1', JSON.stringify(note(i)), { sessionId: 's' });
      }
      const streams = new ResumableStreams(journal, { epoch: 'two' });
      const resumed = await streams.resume('s', 's.old-r1#0');
      if (!resumed.ok) throw new Error(resumed.reason);
      const all: number[] = [];
      for (let i = 0; i < 3_000; i++) {
        const next = await resumed.items.next();
        if (next.done) break;
        all.push(said(next.value) as number);
      }
      expect(all).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 1));
    } finally {
      await journal.close();
    }
  });

  it('without priming a connection gets only the messages', async () => {
    const journal = await openJournal(join(await tempDir(), 'journal.db'));
    try {
      const streams = new ResumableStreams(journal, { epoch: 'e' });
      const call = feed();
      const items = streams.open('s', call.source, [note(1)]);
      call.end();
      expect((await rest(items)).map((i) => i.id)).toEqual(['s.e-r1#1']);
    } finally {
      await journal.close();
    }
  });
});

describe('epochs and who is primed', () => {
  it('an epoch is unique per process, visible ASCII; a bad one is refused', async () => {
    expect(newEpoch(0, () => 0)).toBe('00000');
    expect(newEpoch(1_767_225_600_000, () => 0.5)).toBe(`${(1_767_225_600_000).toString(36)}i000`);
    const journal = await createJournal({ driver: memoryDriver() });
    try {
      const a = new ResumableStreams(journal, {});
      const b = new ResumableStreams(journal, {});
      expect(a.epoch).toMatch(/^[0-9a-z]{5,32}$/);
      expect(a.epoch).not.toBe(b.epoch);
      expect(new ResumableStreams(journal, { epoch: 'e_1' }).epoch).toBe('e_1');
      expect(() => new ResumableStreams(journal, { epoch: 'a.b' })).toThrow(RangeError);
      expect(() => new ResumableStreams(journal, { epoch: 'a#1' })).toThrow(RangeError);
      expect(() => new ResumableStreams(journal, { epoch: '' })).toThrow(RangeError);
      expect(() => new ResumableStreams(journal, { epoch: 'x'.repeat(33) })).toThrow(RangeError);
    } finally {
      await journal.close();
    }
  });

  it('priming goes to 2025-11-25 and later, not to earlier revisions nor a client that names none', () => {
    expect(sendsPriming('2025-11-25')).toBe(true);
    expect(sendsPriming('2026-07-28')).toBe(true);
    expect(sendsPriming('2025-06-18')).toBe(false);
    expect(sendsPriming('2025-03-26')).toBe(false);
    expect(sendsPriming(null)).toBe(false);
    expect(sendsPriming('latest')).toBe(false);
  });
});
