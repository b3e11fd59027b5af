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
 *
 * Stream ids outlive the process: a request's stream is `<session>.<epoch>-r<n>`, the epoch unique
 * to this process, so a restarted gateway on the same journal never appends to a stream of its
 * predecessor; the session's GET stream keeps one name (`<session>.get`) and its seqs simply go on.
 * A resume is served from the journal alone, so a `Last-Event-ID` issued by another process works.
 *
 * Priming (2025-11-25): a connection that opens a stream may first get an event with an id and
 * empty data, with a `retry:` — its id is where the stream stood when the connection joined
 * (`<stream>#0` for a new request stream: not a journal event id, seq 0 means "from the first
 * event"), so a client that loses the connection before any message still resumes without a gap.
 */
import { INTERNAL_ERROR, type JsonRpcMessage, type RequestId } from '@switchyard/coordinator';
import {
  formatEventId,
  isJournalInvalidEventIdError,
  isJournalPayloadTooLargeError,
  type Journal,
  parseEventId,
  type StreamEvent,
} from '@switchyard/journal';
import type { SsePrimingEvent } from './sse.ts';
import { answers, outcomeUnknown, requestIdOf, requestTag } from './stream-request.ts';

/**
 * The `retry:` of a priming event, ms: how long a client waits before it reconnects. The SDK
 * client (1.32) then waits exactly this long before every reconnection of its transport instead of
 * its own backoff (1 s, then ×1.5; two tries by default): 1 s, that backoff's first step, keeps a
 * resume after a dropped connection as quick as before. The client's `maxRetries` still bounds the
 * tries, so a restarted gateway is reconnected to by itself if it is back within about that many
 * seconds.
 */
export const PRIMING_RETRY_MS = 1_000;

/** The first revision that asks for priming events. */
const PRIMING_SINCE = '2025-11-25';

/**
 * Whether a client speaking `protocolVersion` gets priming events. Only 2025-11-25 and later: the
 * revision that asks for them. Earlier revisions say nothing of events without data, and SDK
 * clients written for them parse every `data` as JSON (an empty one is an error reported to the
 * application); the SDK's own server primes only 2025-11-25 on for that reason.
 */
export function sendsPriming(protocolVersion: string | null): boolean {
  return (
    protocolVersion !== null &&
    /^\d{4}-\d{2}-\d{2}$/.test(protocolVersion) &&
    protocolVersion >= PRIMING_SINCE
  );
}

/** A process's epoch: unique per process (time and randomness), in base 36. */
export function newEpoch(now = Date.now(), random = Math.random): string {
  const noise = Math.floor(random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0');
  return `${now.toString(36)}${noise}`;
}

const EPOCH = /^[0-9A-Za-z_]{1,32}$/;

export interface ResumableOptions {
  /**
   * This process's part of request stream ids (letters, digits, `_`; at most 32): unique per
   * process so streams of a restarted gateway never meet its predecessor's. Default: `newEpoch()`.
   */
  epoch?: string;
  /** The `retry:` of priming events, ms. Default: `PRIMING_RETRY_MS`. */
  retryMs?: number;
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

/** What a connection reads: the stream's items, after a priming event when it asked for one. */
export type OpenedItem = StreamItem | SsePrimingEvent;

/** Events read from the journal per query when replaying. */
const REPLAY_PAGE = 1_000;
/** Replays stop after this many pages (ten million events): every loop has a bound. */
const MAX_REPLAY_PAGES = 10_000;

/** The events of `streamId` after `lastEventId` (all when left out), page by page. */
async function readAllAfter(
  journal: Journal,
  streamId: string,
  lastEventId?: string,
): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  let after = lastEventId;
  for (let page = 0; page < MAX_REPLAY_PAGES; page++) {
    const read = await journal.readAfter(streamId, after, { limit: REPLAY_PAGE });
    events.push(...read);
    if (read.length < REPLAY_PAGE) break;
    after = read.at(-1)?.id;
  }
  return events;
}

/**
 * The highest seq the journal has issued on `streamId`; 0 for a stream it does not hold. The
 * journal has no query for it, but `readAfter` says whether an id was issued (`not-issued` past
 * the end), so doubling then halving finds it in about 2·log2(seq) reads of at most one event.
 */
async function lastSeqOf(journal: Journal, streamId: string): Promise<number> {
  const issued = async (seq: number): Promise<boolean> => {
    try {
      await journal.readAfter(streamId, formatEventId(streamId, seq), { limit: 1 });
      return true;
    } catch (error) {
      if (!isJournalInvalidEventIdError(error)) throw error;
      // Expired: issued, its successors gone to retention.
      if (error.reason === 'expired') return true;
      if (error.reason === 'not-issued' || error.reason === 'unknown-stream') return false;
      throw error;
    }
  };
  if (!(await issued(1))) return 0;
  // Seqs are below 2^53: 53 doublings and as many halvings at most.
  let low = 1;
  let high = 2;
  for (let i = 0; i < 53 && (await issued(high)); i++) {
    low = high;
    high *= 2;
  }
  for (let i = 0; i < 53 && high - low > 1; i++) {
    const mid = Math.floor((low + high) / 2);
    if (await issued(mid)) low = mid;
    else high = mid;
  }
  return low;
}

/**
 * A `Last-Event-ID`: a journal event id, or a priming id (`<stream>#0`, before the first event).
 * Throws the journal's `JournalInvalidEventIdError` for a malformed one.
 */
function parseResumeId(lastEventId: string): { streamId: string; seq: number } {
  if (!lastEventId.endsWith('#0')) return parseEventId(lastEventId);
  // The journal's ids start at seq 1: check the stream part as the first event's id.
  const { streamId } = parseEventId(`${lastEventId.slice(0, -1)}1`);
  return { streamId, seq: 0 };
}

/**
 * One connection's view of a stream: a priming event if it asked for one, then items in order,
 * then done. Live items its reader has not taken yet are held up to `maxBufferedBytes`; past it the
 * connection is dropped (its stream ends; the journal still has every event for a resume) and
 * `onDrop` is told.
 */
class Tap implements AsyncIterator<OpenedItem> {
  private readonly buffered: StreamItem[] = [];
  /** The sizes of the live items in `buffered` (replayed ones count 0), in order. */
  private readonly sizes: number[] = [];
  private bufferedBytes = 0;
  private waiting: ((r: IteratorResult<OpenedItem>) => void) | undefined;
  private ended = false;

  constructor(
    /** Items at or below this seq were already replayed: skip them. */
    private skipThrough: number,
    private readonly onDetach: (tap: Tap) => void,
    private readonly maxBufferedBytes = Number.POSITIVE_INFINITY,
    private readonly onDrop: () => void = () => {},
    /** The priming event, read before any item; none once the stream failed before it was known. */
    private head?: Promise<SsePrimingEvent | undefined>,
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
      this.head = undefined;
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

  async next(): Promise<IteratorResult<OpenedItem>> {
    const head = this.head;
    if (head) {
      this.head = undefined;
      const priming = await head;
      if (priming) return { value: priming, done: false };
    }
    const item = this.buffered.shift();
    if (item) {
      this.bufferedBytes -= this.sizes.shift() ?? 0;
      return { value: item, done: false };
    }
    if (this.ended) return { value: undefined, done: true };
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<OpenedItem>> {
    this.head = undefined;
    this.end();
    this.onDetach(this);
    return Promise.resolve({ value: undefined, done: true });
  }
}

/** A journaled stream whose source may still be running. */
class Pump {
  tap: Tap | undefined;
  running = true;
  /**
   * The highest seq of the stream handed to connections (or found in the journal when the pump
   * started): where a connection joining now starts. Undefined until known (a session stream
   * asks the journal first).
   */
  lastSeq: number | undefined;
  /** Resolves once `lastSeq` is known; with undefined when the stream failed before that. */
  readonly positioned: Promise<number | undefined>;
  readonly setPosition: (seq: number | undefined) => void;
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
  ) {
    const { promise, resolve } = Promise.withResolvers<number | undefined>();
    this.positioned = promise;
    this.setPosition = (seq) => {
      if (seq !== undefined && this.lastSeq === undefined) this.lastSeq = seq;
      resolve(seq);
    };
  }

  /** A connection from after `skipThrough`; with `retryMs`, primed with where the stream stands. */
  attach(skipThrough: number, retryMs?: number): Tap {
    this.tap?.end();
    clearTimeout(this.orphaned);
    this.orphaned = undefined;
    let head: Promise<SsePrimingEvent | undefined> | undefined;
    if (retryMs !== undefined) {
      // Every item pushed from now on has a higher seq than where the stream stands now.
      const priming = (seq: number | undefined): SsePrimingEvent | undefined =>
        seq === undefined ? undefined : { id: formatEventId(this.streamId, seq), retryMs, priming: true };
      head =
        this.lastSeq !== undefined ? Promise.resolve(priming(this.lastSeq)) : this.positioned.then(priming);
    }
    const tap = new Tap(
      skipThrough,
      (t) => {
        if (this.tap !== t) return;
        this.tap = undefined;
        this.detached();
      },
      this.maxBufferedBytes,
      this.onDrop,
      head,
    );
    this.tap = tap;
    if (!this.running) tap.end();
    return tap;
  }

  /** The source ended: nothing more to wait for. */
  stopped(): void {
    this.running = false;
    this.setPosition(undefined);
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

/** How a resume of a session's keyed stream (its GET stream) starts it again when no process runs it. */
export interface Revival {
  key: string;
  /** The session's source of messages for that stream, asked for only when it is started again. */
  source: () => AsyncIterator<JsonRpcMessage>;
}

export class ResumableStreams {
  private readonly pumps = new Map<string, Pump>();
  private seq = 0;
  /** This process's epoch: part of every request stream's id. */
  readonly epoch: string;
  private readonly retryMs: number;

  private readonly onError: (error: unknown) => void;

  constructor(
    private readonly journal: Journal,
    private readonly options: ResumableOptions = {},
  ) {
    this.onError = options.onError ?? (() => {});
    this.epoch = options.epoch ?? newEpoch();
    if (!EPOCH.test(this.epoch)) {
      throw new RangeError(`epoch: expected 1–32 letters, digits or "_", got ${JSON.stringify(this.epoch)}`);
    }
    this.retryMs = options.retryMs ?? PRIMING_RETRY_MS;
  }

  /**
   * Journals `source` (after `first`) as a new stream of `sessionId`; returns the first
   * connection's items. `key` names a long-lived stream (the GET stream) that is opened once per
   * session; a request's stream gets a fresh name. With `priming`, the connection's first item
   * is a priming event (see `sendsPriming`).
   */
  open(
    sessionId: string,
    source: AsyncIterator<JsonRpcMessage>,
    first: readonly JsonRpcMessage[] = [],
    key?: string,
    options: { priming?: boolean; requestId?: RequestId } = {},
  ): AsyncIterator<OpenedItem> {
    // A request's stream names its request (see `stream-request.ts`): a later process that finds
    // it unanswered ends it with an error under that id.
    const tag = options.requestId === undefined ? undefined : requestTag(options.requestId);
    const name = key ?? `${this.epoch}-r${++this.seq}${tag === undefined ? '' : `.${tag}`}`;
    const streamId = `${sessionId}.${name}`;
    const retryMs = options.priming ? this.retryMs : undefined;
    const existing = this.pumps.get(streamId);
    if (existing) return existing.attach(0, retryMs);
    const pump = this.start(streamId, sessionId, source, first, key !== undefined);
    return pump.attach(0, retryMs);
  }

  /** The GET stream of a session is already being read by a connection. */
  isAttached(sessionId: string, key: string): boolean {
    return this.pumps.get(`${sessionId}.${key}`)?.tap !== undefined;
  }

  /**
   * A reconnect with `Last-Event-ID`: the journal's events after it, then live ones. A priming id
   * (`#0`) replays from the first event. With `revive`, a resume of that keyed stream of the
   * session that no pump runs (another process journaled it) starts it again here, so the client
   * goes on live instead of reconnecting to a stream that only ever ends.
   */
  async resume(
    sessionId: string,
    lastEventId: string,
    revive?: Revival,
    retried = false,
  ): Promise<ResumeResult> {
    let streamId: string;
    let seq: number;
    try {
      ({ streamId, seq } = parseResumeId(lastEventId));
    } catch (error) {
      return { ok: false, status: 400, reason: `Last-Event-ID: ${(error as Error).message}` };
    }
    if (!streamId.startsWith(`${sessionId}.`)) {
      return { ok: false, status: 404, reason: 'Last-Event-ID names no stream of this session' };
    }
    let pump = this.pumps.get(streamId);
    // A running stream is joined before the journal is read, so nothing pushed meanwhile is missed.
    let tap = pump?.attach(seq);
    let events: StreamEvent[];
    try {
      // Seq 0 (a priming id): from the first event; a stream nothing was written to yet is empty.
      events = await readAllAfter(this.journal, streamId, seq === 0 ? undefined : lastEventId);
    } catch (error) {
      tap?.end();
      return { ok: false, status: 404, reason: `Last-Event-ID: ${(error as Error).message}` };
    }
    if (!pump && this.pumps.has(streamId) && !retried) {
      // Started while the journal was read: what it pushed meanwhile may be in neither. Once more,
      // joined first this time.
      return this.resume(sessionId, lastEventId, revive, true);
    }
    const lastSeq = events.at(-1)?.seq ?? seq;
    if (!pump && revive !== undefined && streamId === `${sessionId}.${revive.key}`) {
      // Nothing journals this stream in this process: what comes next is journaled after `lastSeq`.
      pump = this.start(streamId, sessionId, revive.source(), [], true);
      tap = pump.attach(lastSeq);
    }
    const replayed = events.map((e) => ({ id: e.id, message: JSON.parse(e.data) as JsonRpcMessage }));
    if (!pump) {
      const ending = await this.unanswered(sessionId, streamId, seq, replayed);
      if (ending) replayed.push(ending);
    }
    const items = tap ?? new Tap(seq, () => {});
    items.replay(replayed, lastSeq);
    if (!pump) items.end();
    // No priming on a resume: the client holds an id already.
    return { ok: true, items: items as AsyncIterator<StreamItem> };
  }

  /**
   * A request's stream that nothing runs any more (the process that ran it ended, or it was
   * abandoned) and that holds no answer to its request: the answer it ends with — an error, the
   * outcome unknown — journaled, so every later resume ends the same way. Undefined for a stream
   * with its answer, a keyed stream, or one whose request id is not in its name.
   */
  private async unanswered(
    sessionId: string,
    streamId: string,
    seq: number,
    replayed: readonly StreamItem[],
  ): Promise<StreamItem | undefined> {
    const requestId = requestIdOf(streamId);
    if (requestId === undefined) return undefined;
    if (replayed.some((item) => answers(item.message, requestId))) return undefined;
    // Events before the client's Last-Event-ID are not in `replayed`: look at the whole stream.
    const earlier = seq === 0 ? [] : await readAllAfter(this.journal, streamId, undefined);
    if (earlier.some((e) => answers(JSON.parse(e.data) as JsonRpcMessage, requestId))) return undefined;
    const message = outcomeUnknown(requestId);
    try {
      const id = await this.journal.append(streamId, JSON.stringify(message), { sessionId });
      return { id, message };
    } catch (error) {
      this.onError(error);
      return undefined;
    }
  }

  /**
   * Starts journaling `source` as `streamId`. A request's stream is new (its id has this process's
   * epoch): it stands at 0. A keyed stream may hold events of an earlier process: the journal says
   * where it stands before anything is appended.
   */
  private start(
    streamId: string,
    sessionId: string,
    source: AsyncIterator<JsonRpcMessage>,
    first: readonly JsonRpcMessage[],
    keyed: boolean,
  ): Pump {
    // The GET stream lives as long as its session; a request's stream not beyond its client.
    const pump = new Pump(
      streamId,
      sessionId,
      source,
      keyed ? undefined : this.options.resumeGraceMs,
      this.options.bufferedBytesPerStream,
      () => this.options.onSlowReader?.(streamId),
    );
    if (!keyed) pump.setPosition(0);
    this.pumps.set(streamId, pump);
    void this.run(pump, source, first, keyed);
    return pump;
  }

  private async run(
    pump: Pump,
    source: AsyncIterator<JsonRpcMessage>,
    first: readonly JsonRpcMessage[],
    keyed: boolean,
  ) {
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
      const seq = parseEventId(id).seq;
      // Moved with the push: a connection attached from here on gets exactly the later items.
      pump.lastSeq = seq;
      pump.tap?.push({ id, message }, seq, data.length);
    };
    try {
      if (keyed) pump.setPosition(await lastSeqOf(this.journal, pump.streamId));
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
