/**
 * The live dashboard page in real Chromium, fed by the real event stream over real HTTP on
 * 127.0.0.1, from a small in-test source whose snapshot the tests change. (The end-to-end test
 * through the gateway lives with the server.) Chromium missing fails the suite; it never skips.
 */
import type { Server } from 'bun';
import { chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LaunchedBrowser, launchBrowser, watchConsole } from '../../../tooling/testing/browser.ts';
import { until } from '../../../tooling/testing/wait.ts';
import { snapshotStream } from '../src/dashboard/events.ts';
import { dashboardResponse } from '../src/dashboard/page.ts';
import type { BackendView, CallView, DashboardSnapshot } from '../src/dashboard/snapshot.ts';

const WAIT_MS = 5_000;

function backend(name: string, extra: Partial<BackendView> = {}): BackendView {
  return {
    name,
    kind: 'stdio',
    tier: 'hot',
    state: 'ready',
    workers: { ready: 2, starting: 0, busy: 1 },
    inFlight: 1,
    queued: 0,
    restarts: 0,
    failure: null,
    era: '2025-11-25',
    ...extra,
  };
}

function call(name: string, extra: Partial<CallView> = {}): CallView {
  return {
    at: new Date().toISOString(),
    session: 'c0ffee00-1111-2222-3333-444455556666',
    method: 'tools/call',
    name,
    backend: 'files',
    outcome: 'ok',
    durationMs: 12.5,
    ...extra,
  };
}

/** A stand-in for the gateway's live state: the test edits it and notifies. */
class TestSource {
  readonly listeners = new Set<() => void>();
  snapshots = 0;
  state: DashboardSnapshot = {
    at: new Date().toISOString(),
    version: '0.0.0-test',
    uptimeMs: 65_000,
    backends: [backend('files')],
    requests: {
      total: 10,
      errors: 1,
      inFlight: 1,
      queued: 0,
      ratePerSec: 2.5,
      p50Ms: 4,
      p90Ms: 20,
      p99Ms: null,
    },
    sessions: { open: 1 },
    recentCalls: [call('read_file')],
  };

  snapshot(): DashboardSnapshot {
    this.snapshots++;
    return structuredClone({ ...this.state, at: new Date().toISOString() });
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  change(edit: (state: DashboardSnapshot) => void): void {
    edit(this.state);
    for (const listener of [...this.listeners]) listener();
  }
}

/** Reads server-sent events from a Response body, one frame at a time. */
class EventReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  readonly reader: {
    read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>;
    cancel(): Promise<void>;
  };

  constructor(response: Response) {
    this.reader = response.body!.getReader();
  }

  /** The next frame that names an event, or `null` when the stream ends. */
  async nextEvent(timeoutMs = WAIT_MS): Promise<{ event: string; data: string } | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let end = this.buffer.indexOf('\n\n');
      while (end >= 0) {
        const frame = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const fields = new Map<string, string>();
        for (const line of frame.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
        }
        if (fields.has('event')) return { event: fields.get('event')!, data: fields.get('data') ?? '' };
        end = this.buffer.indexOf('\n\n');
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const chunk = await Promise.race([
        this.reader.read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), left);
        }),
      ]).finally(() => clearTimeout(timer));
      if (chunk.done) return null;
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('snapshotStream', () => {
  it('sends a snapshot at once and another after a notification, as text/event-stream', async () => {
    const source = new TestSource();
    const response = snapshotStream(source, { intervalMs: 60_000 });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toContain('no-cache');
    const events = new EventReader(response);

    const first = await events.nextEvent();
    expect(first?.event).toBe('snapshot');
    expect((JSON.parse(first!.data) as DashboardSnapshot).backends[0]?.name).toBe('files');

    source.change((s) => s.recentCalls.unshift(call('write_file')));
    const second = await events.nextEvent();
    expect(second?.event).toBe('snapshot');
    expect((JSON.parse(second!.data) as DashboardSnapshot).recentCalls[0]?.name).toBe('write_file');
    await events.reader.cancel();
  });

  it('coalesces a burst of notifications into one snapshot', async () => {
    const source = new TestSource();
    const events = new EventReader(snapshotStream(source, { intervalMs: 60_000 }));
    await events.nextEvent();
    expect(source.snapshots).toBe(1);
    for (let i = 0; i < 20; i++) source.change((s) => s.recentCalls.unshift(call(`burst-${i}`)));
    const next = await events.nextEvent();
    expect((JSON.parse(next!.data) as DashboardSnapshot).recentCalls.length).toBeGreaterThan(1);
    await sleep(250);
    // One snapshot for the burst (two if the first notification came 100 ms after the first send).
    expect(source.snapshots).toBeLessThanOrEqual(3);
    await events.reader.cancel();
  });

  it('sends every intervalMs without notifications, with keep-alive comments', async () => {
    const source = new TestSource();
    const response = snapshotStream(source, { intervalMs: 40, keepAliveMs: 30 });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const deadline = Date.now() + WAIT_MS;
    while ((text.match(/event: snapshot/g)?.length ?? 0) < 3 || !text.includes(': keep-alive\n\n')) {
      if (Date.now() > deadline) throw new Error(`expected periodic snapshots and keep-alives, got ${text}`);
      const chunk = await reader.read();
      if (chunk.done) throw new Error('stream ended');
      text += decoder.decode(chunk.value, { stream: true });
    }
    expect(text.startsWith('retry: ')).toBe(true);
    await reader.cancel();
  });

  it('stops every timer and unsubscribes when the reader cancels', async () => {
    const source = new TestSource();
    const events = new EventReader(snapshotStream(source, { intervalMs: 30, keepAliveMs: 30 }));
    await events.nextEvent();
    expect(source.listeners.size).toBe(1);
    source.change(() => {}); // leaves a coalescing timer pending
    await events.reader.cancel();
    expect(source.listeners.size).toBe(0);
    const after = source.snapshots;
    await sleep(200);
    expect(source.snapshots).toBe(after);
  });

  it('ends the stream and stops when the signal aborts', async () => {
    const source = new TestSource();
    const abort = new AbortController();
    const events = new EventReader(snapshotStream(source, { intervalMs: 30, signal: abort.signal }));
    await events.nextEvent();
    abort.abort();
    let ended = false;
    for (let i = 0; i < 100 && !ended; i++) ended = (await events.nextEvent()) === null;
    expect(ended).toBe(true);
    expect(source.listeners.size).toBe(0);
    const after = source.snapshots;
    await sleep(150);
    expect(source.snapshots).toBe(after);
  });

  it('keeps the stream open when a snapshot throws', async () => {
    const source = new TestSource();
    let fail = true;
    const original = source.snapshot.bind(source);
    source.snapshot = () => {
      if (fail) throw new Error('state\nunavailable');
      return original();
    };
    const events = new EventReader(snapshotStream(source, { intervalMs: 60_000 }));
    fail = false;
    source.change(() => {});
    expect((await events.nextEvent())?.event).toBe('snapshot');
    await events.reader.cancel();
  });
});

describe('dashboard page in Chromium', () => {
  let browser: LaunchedBrowser<Awaited<ReturnType<typeof chromium.launchPersistentContext>>> | undefined;
  // Kept, not thrown, so that each test fails on it (a failing hook would only mark them skipped).
  let launchError: unknown;
  let server: Server<undefined>;
  let source: TestSource;
  const streams = new Set<AbortController>();
  const pages: Page[] = [];

  beforeAll(async () => {
    try {
      browser = await launchBrowser(chromium);
    } catch (error) {
      launchError = error;
    }
  });

  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(() => {
    source = new TestSource();
    server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch(request, srv) {
        const { pathname } = new URL(request.url);
        if (pathname === '/dashboard') return dashboardResponse({ eventsPath: '/dashboard/events' });
        if (pathname === '/dashboard/events') {
          srv.timeout(request, 0); // a stream outlives Bun's idle timeout
          const drop = new AbortController();
          streams.add(drop);
          return snapshotStream(source, {
            intervalMs: 1_000,
            signal: AbortSignal.any([request.signal, drop.signal]),
          });
        }
        return new Response('not found', { status: 404 });
      },
    });
  });

  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.close()));
    for (const drop of streams) drop.abort();
    streams.clear();
    await server.stop(true);
    // Every stream the page opened has stopped and unsubscribed.
    await until(() => source.listeners.size === 0, 'the event streams to stop', WAIT_MS);
  });

  async function open(): Promise<{ page: Page; console: { errors: string[] } }> {
    if (!browser) throw launchError;
    const page = await browser.context.newPage();
    pages.push(page);
    const console = watchConsole(page);
    page.on('dialog', (dialog) => {
      console.errors.push(`dialog opened: ${dialog.message()}`);
      void dialog.dismiss();
    });
    const response = await page.goto(new URL('/dashboard', server.url).href, { timeout: WAIT_MS });
    expect(response?.status()).toBe(200);
    return { page, console };
  }

  const field = (page: Page, testid: string, name: string) =>
    page.locator(`[data-testid="${testid}"] [data-field="${name}"]`);

  it('shows backends, figures and a call the source adds, without console errors', async () => {
    const { page, console } = await open();

    await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });
    await page.locator('[data-testid="backend-row"]').first().waitFor({ timeout: WAIT_MS });
    expect(await field(page, 'backend-row', 'name').allTextContents()).toEqual(['files']);
    expect(await field(page, 'backend-row', 'state').textContent()).toBe('ready');
    expect(await field(page, 'backend-row', 'workers-ready').textContent()).toBe('2');
    expect(await field(page, 'backend-row', 'workers-busy').textContent()).toBe('1');
    expect(await page.getByTestId('version').textContent()).toBe('0.0.0-test');
    expect(await field(page, 'requests', 'rate').textContent()).toBe('2.5/s');
    expect(await field(page, 'requests', 'p99').textContent()).toBe('\u2014');
    expect(await field(page, 'requests', 'total').textContent()).toBe('10');
    expect(await page.getByTestId('backends-empty').isHidden()).toBe(true);

    source.change((s) => {
      s.recentCalls.unshift(call('search_docs', { backend: 'docs', outcome: 'timeout', durationMs: 1500 }));
      s.requests.total = 11;
    });
    const row = page.locator('[data-testid="call-row"]', {
      has: page.locator('[data-field="name"]', { hasText: 'search_docs' }),
    });
    await row.waitFor({ timeout: WAIT_MS });
    expect(await row.locator('[data-field="backend"]').textContent()).toBe('docs');
    expect(await row.locator('[data-field="outcome"]').textContent()).toBe('timeout');
    expect(await row.locator('[data-field="duration"]').textContent()).toBe('1.50 s');
    expect(await row.locator('[data-field="method"]').textContent()).toBe('tools/call');
    // Newest first.
    expect(await field(page, 'call-row', 'name').allTextContents()).toEqual(['search_docs', 'read_file']);

    expect(console.errors).toEqual([]);
  });

  it('shows a backend name made of HTML as text and injects no element', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    source.state.backends = [backend(hostile, { failure: '<script>alert(2)</script>' })];
    source.state.recentCalls = [call('<b>bold</b>', { backend: hostile })];
    const { page, console } = await open();

    const name = field(page, 'backend-row', 'name');
    await name.waitFor({ timeout: WAIT_MS });
    expect(await name.textContent()).toBe(hostile);
    expect(await field(page, 'backend-row', 'failure').textContent()).toBe('<script>alert(2)</script>');
    await field(page, 'call-row', 'name').waitFor({ timeout: WAIT_MS });
    expect(await field(page, 'call-row', 'name').textContent()).toBe('<b>bold</b>');
    expect(await page.locator('img, b, main script').count()).toBe(0);
    expect(await page.locator('[data-testid="backend-row"] [data-field="name"] *').count()).toBe(0);

    expect(console.errors).toEqual([]);
  });

  it('shows the cluster only with one, flags different configurations, and shows node ids as text', async () => {
    const { page, console } = await open();
    await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });
    expect(await page.getByTestId('cluster').isHidden()).toBe(true);
    const hostile = '<img src=x onerror=alert(3)>';
    source.change((s) => {
      s.cluster = {
        nodes: [
          {
            id: 'node-a',
            url: 'http://10.0.0.1:7331/mcp',
            configHash: 'aaaaaaaaaaaa',
            self: true,
            ageMs: 10,
          },
          {
            id: hostile,
            url: 'http://10.0.0.2:7331/mcp',
            configHash: 'bbbbbbbbbbbb',
            self: false,
            ageMs: 20,
          },
        ],
        mismatch: true,
      };
    });
    await page.locator('[data-testid="cluster-node"]').nth(1).waitFor({ timeout: WAIT_MS });
    expect(await page.getByTestId('cluster-mismatch').isVisible()).toBe(true);
    expect(await page.locator('[data-testid="cluster-node"]').first().textContent()).toContain(
      'node-a (this node)',
    );
    expect(await page.locator('[data-testid="cluster-node"]').nth(1).textContent()).toContain(hostile);
    expect(await page.locator('main img').count()).toBe(0);
    source.change((s) => {
      s.cluster = { nodes: s.cluster!.nodes.slice(0, 1), mismatch: false };
    });
    await page.locator('[data-testid="cluster-mismatch"]').waitFor({ state: 'hidden', timeout: WAIT_MS });
    expect(console.errors).toEqual([]);
  });

  it('shows "reconnecting…" when the stream drops, then resumes', async () => {
    const { page } = await open();
    const connection = page.getByTestId('connection');
    await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });

    for (const drop of streams) drop.abort();
    streams.clear();
    await page.locator('[data-testid="connection"][data-state="reconnecting"]').waitFor({ timeout: WAIT_MS });
    expect(await connection.textContent()).toBe('reconnecting\u2026');

    // EventSource reconnects by itself (the stream asks for a 2 s retry) and the page catches up.
    source.change((s) => s.backends.push(backend('late')));
    await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });
    await field(page, 'backend-row', 'name').filter({ hasText: 'late' }).waitFor({ timeout: WAIT_MS });
  });
});
