/**
 * Resumable SSE streams for 2025 clients, served from the journal. Every message of a POST's SSE
 * answer and of a session's GET stream is appended to the journal first; its event id
 * (`<stream>#<seq>`) goes out as the SSE `id:`. A client that loses the connection reconnects with
 * GET and `Last-Event-ID`: the journal replays what came after, then the stream goes on live if its
 * source is still running. The source runs on while no one is connected — in the 2025 revisions a
 * disconnect is not a cancellation (clients cancel with `notifications/cancelled`) — but not for
 * ever: a request's stream no connection has read for `resumeGraceMs` is closed, which cancels
 * the request at its backend. (A session's GET stream runs as long as the session.)
 *
 * A message larger than the journal keeps (`maxPayloadBytes`, 16 MiB by default) still goes to the
 * connected client in full; the journal records a stand-in of the same id that says so (a replay
 * gets that), and the operator's log a warning.
 */
import { INTERNAL_ERROR, type JsonRpcMessage } from '@switchyard/coordinator';
import { isJournalPayloadTooLargeError, type Journal, parseEventId } from '@switchyard/journal';

export interface ResumableOptions {
  /** Errors that ended a stream's journaling (a closed journal). Default: ignored. */
  onError?: (error: unknown) => void;
  /** The operator's log: a message journaled as a stand-in. */
  warn?: (fields: Record<string, unknown>, message: string) => void;
  /**
   * How long a request's stream may go unread (its client gone, no resume) before it is closed and
   * the request cancelled, ms. Default: never.
   */
  resumeGraceMs?: number;
  /** Bytes of messages held for one connection that does not read; past it, it is dropped. Default: no bound. */
  bufferedBytesPerStream?: number;
  /** Told of each connection dropped for not reading (metrics). */
  onSlowReader?: (streamId: string) => void;
}

/** What the journal keeps of a message too large for it: the same id, a note of its size. */
function standIn(message: JsonRpcMessage, bytes: number): JsonRpcMessage {
  const note = `a message of ${bytes} bytes, more than the journal keeps, was sent live and cannot be replayed`;
  if ('id' in message && !('method' in message)) {
    return {
      jsonrpc: '2.0',
      id: message.id,
      error: {
        code: INTERNAL_ERROR,
        message: `The answer was ${note}`,
        data: { 'switchyard/truncated': { bytes } },
      },
    } as JsonRpcMessage;
  }
  return {
    jsonrpc: '2.0',
    method: 'notifications/message',
    params: { level: 'warning', logger: 'switchyard', data: { 'switchyard/truncated': { bytes, note } } },
  } as JsonRpcMessage;
}

export interface StreamItem {
  id: string;
  message: JsonRpcMessage;
}

/**
 * One connection's view of a stream: items in order, then done. Live items its reader has not
 * taken yet are held up to `maxBufferedBytes`; past it the connection is dropped (its stream
 * ends; the journal still has every event for a resume) and `onDrop` is told.
 */
class Tap implements AsyncIterator<StreamItem> {
  private readonly buffered: StreamItem[] = [];
  /** The sizes of the live items in `buffered` (replayed ones count 0), in order. */
  private readonly sizes: number[] = [];
  private bufferedBytes = 0;
  private waiting: ((r: IteratorResult<StreamItem>) => void) | undefined;
  private ended = false;

  constructor(
    /** Items at or below this seq were already replayed: skip them. */
    private skipThrough: number,
    private readonly onDetach: (tap: Tap) => void,
    private readonly maxBufferedBytes = Number.POSITIVE_INFINITY,
    private readonly onDrop: () => void = () => {},
  ) {}

  push(item: StreamItem, seq: number, bytes = 0): void {
    if (this.ended || seq <= this.skipThrough) return;
    const wake = this.waiting;
    this.waiting = undefined;
    if (wake) {
      wake({ value: item, done: false });
      return;
    }
    this.buffered.push(item);
    this.sizes.push(bytes);
    this.bufferedBytes += bytes;
    if (this.bufferedBytes > this.maxBufferedBytes) {
      // A reader this far behind is dropped: the stream, never the process.
      this.buffered.length = 0;
      this.sizes.length = 0;
      this.bufferedBytes = 0;
      this.end();
      this.onDetach(this);
      this.onDrop();
    }
  }

  /** Replayed items go first; live items already buffered with a lower seq are dropped. */
  replay(items: readonly StreamItem[], lastSeq: number): void {
    const sizes = this.sizes.splice(0);
    const live = this.buffered.splice(0).map((item, i) => ({ item, size: sizes[i] ?? 0 }));
    const kept = live.filter((l) => parseEventId(l.item.id).seq > lastSeq);
    this.buffered.push(...items, ...kept.map((l) => l.item));
    this.sizes.push(...items.map(() => 0), ...kept.map((l) => l.size));
    this.bufferedBytes = kept.reduce((n, l) => n + l.size, 0);
    this.skipThrough = Math.max(this.skipThrough, lastSeq);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const wake = this.waiting;
    this.waiting = undefined;
    wake?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<StreamItem>> {
    const item = this.buffered.shift();
    if (item) {
      this.bufferedBytes -= this.sizes.shift() ?? 0;
      return Promise.resolve({ value: item, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<StreamItem>> {
    this.end();
    this.onDetach(this);
    return Promise.resolve({ value: undefined, done: true });
  }
}

/** A journaled stream whose source may still be running. */
class Pump {
  tap: Tap | undefined;
  running = true;
  /** Set while no connection reads a request's stream: when it fires, the source is closed. */
  private orphaned: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly streamId: string,
    readonly sessionId: string,
    private readonly source: AsyncIterator<JsonRpcMessage>,
    /** Closing the source after this long unread, ms; undefined: never. */
    private readonly graceMs: number | undefined,
    private readonly maxBufferedBytes?: number,
    private readonly onDrop?: () => void,
  ) {}

  attach(skipThrough: number): Tap {
    this.tap?.end();
    clearTimeout(this.orphaned);
    this.orphaned = undefined;
    const tap = new Tap(
      skipThrough,
      (t) => {
        if (this.tap !== t) return;
        this.tap = undefined;
        this.detached();
      },
      this.maxBufferedBytes,
      this.onDrop,
    );
    this.tap = tap;
    if (!this.running) tap.end();
    return tap;
  }

  /** The source ended: nothing more to wait for. */
  stopped(): void {
    this.running = false;
    clearTimeout(this.orphaned);
    this.orphaned = undefined;
  }

  private detached(): void {
    if (!this.running || this.graceMs === undefined) return;
    clearTimeout(this.orphaned);
    this.orphaned = setTimeout(() => {
      this.orphaned = undefined;
      if (this.running && this.tap === undefined) void this.source.return?.();
    }, this.graceMs);
  }
}

export type ResumeResult =
  | { ok: true; items: AsyncIterator<StreamItem> }
  | { ok: false; status: 400 | 404; reason: string };

export class ResumableStreams {
  private readonly pumps = new Map<string, Pump>();
  private seq = 0;

  private readonly onError: (error: unknown) => void;

  constructor(
    private readonly journal: Journal,
    private readonly options: ResumableOptions = {},
  ) {
    this.onError = options.onError ?? (() => {});
  }

  /**
   * Journals `source` (after `first`) as a new stream of `sessionId`; returns the first
   * connection's items. `key` names a long-lived stream (the GET stream) that is opened once per
   * session; a request's stream gets a fresh name.
   */
  open(
    sessionId: string,
    source: AsyncIterator<JsonRpcMessage>,
    first: readonly JsonRpcMessage[] = [],
    key?: string,
  ): AsyncIterator<StreamItem> {
    const streamId = `${sessionId}.${key ?? `r${++this.seq}`}`;
    const existing = this.pumps.get(streamId);
    if (existing) return existing.attach(0);
    // The GET stream lives as long as its session; a request's stream not beyond its client.
    const pump = new Pump(
      streamId,
      sessionId,
      source,
      key === undefined ? this.options.resumeGraceMs : undefined,
      this.options.bufferedBytesPerStream,
      () => this.options.onSlowReader?.(streamId),
    );
    this.pumps.set(streamId, pump);
    const tap = pump.attach(0);
    void this.run(pump, source, first);
    return tap;
  }

  /** The GET stream of a session is already being read by a connection. */
  isAttached(sessionId: string, key: string): boolean {
    return this.pumps.get(`${sessionId}.${key}`)?.tap !== undefined;
  }

  /** A reconnect with `Last-Event-ID`: the journal's events after it, then live ones. */
  async resume(sessionId: string, lastEventId: string): Promise<ResumeResult> {
    let streamId: string;
    let seq: number;
    try {
      ({ streamId, seq } = parseEventId(lastEventId));
    } catch (error) {
      return { ok: false, status: 400, reason: `Last-Event-ID: ${(error as Error).message}` };
    }
    if (!streamId.startsWith(`${sessionId}.`)) {
      return { ok: false, status: 404, reason: 'Last-Event-ID names no stream of this session' };
    }
    const pump = this.pumps.get(streamId);
    const tap = pump ? pump.attach(seq) : new Tap(seq, () => {});
    let events: Awaited<ReturnType<Journal['readAfter']>>;
    try {
      events = await this.journal.readAfter(streamId, lastEventId);
    } catch (error) {
      tap.end();
      return { ok: false, status: 404, reason: `Last-Event-ID: ${(error as Error).message}` };
    }
    const replayed = events.map((e) => ({ id: e.id, message: JSON.parse(e.data) as JsonRpcMessage }));
    tap.replay(replayed, events.at(-1)?.seq ?? seq);
    if (!pump) tap.end();
    return { ok: true, items: tap };
  }

  private async run(pump: Pump, source: AsyncIterator<JsonRpcMessage>, first: readonly JsonRpcMessage[]) {
    const deliver = async (message: JsonRpcMessage) => {
      const data = JSON.stringify(message);
      let id: string;
      try {
        id = await this.journal.append(pump.streamId, data, { sessionId: pump.sessionId });
      } catch (error) {
        if (!isJournalPayloadTooLargeError(error)) throw error;
        const bytes = Buffer.byteLength(data);
        this.options.warn?.(
          { stream: pump.streamId, bytes, reason: (error as Error).message },
          'an SSE message too large for the journal was sent live; the journal keeps a stand-in',
        );
        id = await this.journal.append(pump.streamId, JSON.stringify(standIn(message, bytes)), {
          sessionId: pump.sessionId,
        });
      }
      pump.tap?.push({ id, message }, parseEventId(id).seq, data.length);
    };
    try {
      for (const m of first) await deliver(m);
      for (;;) {
        const next = await source.next();
        if (next.done) break;
        await deliver(next.value);
      }
    } catch (error) {
      this.onError(error);
    } finally {
      pump.stopped();
      pump.tap?.end();
      // From here a resume is served from the journal alone.
      this.pumps.delete(pump.streamId);
    }
  }
}
