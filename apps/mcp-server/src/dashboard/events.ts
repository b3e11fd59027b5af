/**
 * The dashboard's event stream: a Web `Response` of `text/event-stream` that sends the gateway's
 * snapshot as `event: snapshot` at once, again whenever the source says something changed
 * (coalesced), and every `intervalMs` regardless, with `: keep-alive` comments between. Runtime-free:
 * the server mounts it as the answer to a GET.
 */
import { byteStrategy } from '../http/sse.ts';
import type { DashboardSnapshot } from './snapshot.ts';

/** Where snapshots come from: the gateway's live state. */
export interface SnapshotSource {
  snapshot(): DashboardSnapshot;
  /** Calls `listener` after a change worth showing; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

export interface SnapshotStreamOptions {
  /** A snapshot is sent at least this often, changes or not. */
  intervalMs: number;
  /** How often a `: keep-alive` comment is sent (default 5 s, below `Bun.serve`'s 10 s idle timeout). */
  keepAliveMs?: number;
  /** Ends the stream (e.g. the request's `signal`, or the server shutting down). */
  signal?: AbortSignal;
  /**
   * Bytes the stream may hold for a reader that does not read; past it the stream is dropped (the
   * page reconnects). Default: none — snapshots are skipped while the reader is behind.
   */
  maxBufferedBytes?: number;
  /** Told when the stream was dropped for holding more than `maxBufferedBytes`. */
  onSlowReader?: () => void;
}

/** Notifications closer together than this are sent as one snapshot. */
export const COALESCE_MS = 100;
/** How long the browser waits before reconnecting after the stream drops. */
export const RETRY_MS = 2_000;
const DEFAULT_KEEP_ALIVE_MS = 5_000;
/** Chunks the stream may hold unread before snapshots are skipped (the next one supersedes them). */
const HIGH_WATER_MARK = 8;

export const EVENT_STREAM_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-store',
  'x-content-type-options': 'nosniff',
  // Tells nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
};

/** One server-sent event carrying `data` (JSON has no raw newlines, so one `data:` line holds it). */
export function snapshotEvent(snapshot: DashboardSnapshot): string {
  return `event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`;
}

/** The latest event text of each source and when it was made: one snapshot per tick for every stream. */
const latest = new WeakMap<SnapshotSource, { at: number; text: string }>();

/**
 * The source's snapshot as an event, made at most once per `COALESCE_MS` however many streams ask
 * (every stream of a tick sends the same text). A broken snapshot gives a comment instead.
 */
export function sharedSnapshotEvent(source: SnapshotSource, now = Date.now()): string {
  const kept = latest.get(source);
  if (kept && now - kept.at < COALESCE_MS && now >= kept.at) return kept.text;
  let text: string;
  try {
    text = snapshotEvent(source.snapshot());
  } catch (error) {
    // A broken snapshot must not end the stream; the page keeps the last good one.
    const message = error instanceof Error ? error.message : String(error);
    text = `: snapshot failed: ${message.replace(/[\r\n]+/g, ' ')}\n\n`;
  }
  latest.set(source, { at: now, text });
  return text;
}

export function snapshotStream(source: SnapshotSource, options: SnapshotStreamOptions): Response {
  const { intervalMs, signal } = options;
  const keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be a positive number, got ${intervalMs}`);
  if (!(keepAliveMs > 0)) throw new RangeError(`keepAliveMs must be a positive number, got ${keepAliveMs}`);

  const encoder = new TextEncoder();
  let stopped = false;
  let lastSentAt = 0;
  /** A snapshot was skipped because the reader fell behind; send one when it pulls again. */
  let stale = false;
  let pending: ReturnType<typeof setTimeout> | undefined;
  let periodic: ReturnType<typeof setInterval> | undefined;
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let unsubscribe: (() => void) | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;

  /** Clears every timer and listener; safe to call more than once. */
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    clearTimeout(pending);
    clearInterval(periodic);
    clearInterval(keepAlive);
    pending = periodic = keepAlive = undefined;
    unsubscribe?.();
    unsubscribe = undefined;
    signal?.removeEventListener('abort', onAbort);
  };

  const max = options.maxBufferedBytes;
  const write = (text: string): void => {
    if (stopped) return;
    const before = max === undefined ? 0 : max - (controller.desiredSize ?? max);
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      // The stream was closed or errored underneath us: nothing more to send.
      stop();
      return;
    }
    // Dropped once what was already waiting passed the bound (so one event larger than the bound
    // still goes to a reader that keeps up): at most the bound and one event are held.
    if (max !== undefined && before > max) {
      // A reader this far behind is dropped: the stream (its queue discarded), never the process.
      stop();
      controller.error(new Error(`the reader did not read: more than ${max} bytes were waiting`));
      options.onSlowReader?.();
    }
  };

  const sendSnapshot = (): void => {
    clearTimeout(pending);
    pending = undefined;
    if (stopped) return;
    if (max === undefined && (controller.desiredSize ?? 1) <= 0) {
      stale = true;
      return;
    }
    stale = false;
    lastSentAt = Date.now();
    write(sharedSnapshotEvent(source, lastSentAt));
  };

  const onChange = (): void => {
    if (stopped || pending !== undefined) return;
    const wait = lastSentAt + COALESCE_MS - Date.now();
    if (wait <= 0) sendSnapshot();
    else pending = setTimeout(sendSnapshot, wait);
  };

  function onAbort(): void {
    if (stopped) return;
    stop();
    try {
      controller.close();
    } catch {
      // Already closed or cancelled.
    }
  }

  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        if (signal?.aborted) {
          stopped = true;
          c.close();
          return;
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        write(`retry: ${RETRY_MS}\n\n`);
        sendSnapshot();
        if (stopped) return;
        unsubscribe = source.subscribe(onChange);
        periodic = setInterval(sendSnapshot, intervalMs);
        keepAlive = setInterval(() => write(': keep-alive\n\n'), keepAliveMs);
      },
      pull() {
        if (stale) sendSnapshot();
      },
      cancel() {
        stop();
      },
    },
    max === undefined ? { highWaterMark: HIGH_WATER_MARK } : byteStrategy(max),
  );

  return new Response(body, { status: 200, headers: EVENT_STREAM_HEADERS });
}
