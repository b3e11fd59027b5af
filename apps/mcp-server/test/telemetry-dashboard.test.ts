/**
 * The dashboard of a traced gateway in headless Chromium: a recent call shows the trace id it was
 * recorded in — a routed tools/call the trace its backend continued (from the traceparent the
 * stdio fixture found in `_meta`), a request the gateway answered itself (tools/list) the trace of
 * its server span as exported to the OTLP receiver the test runs.
 */
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedBrowser, launchBrowser, watchConsole } from '../../../tooling/testing/browser.ts';
import { connectClient, startInProcess } from './support/gateway.ts';
import { SPAN_KIND, startOtlpReceiver } from './support/otlp-receiver.ts';

const WAIT_MS = 10_000;
const TRACE_FIXTURE = new URL('./fixtures/trace-server.ts', import.meta.url).pathname;
const TOOL = 'tr__trace_meta';

describe('dashboard of a traced gateway, in Chromium', () => {
  let browser: LaunchedBrowser<Awaited<ReturnType<typeof chromium.launchPersistentContext>>> | undefined;
  let launchError: unknown;

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

  it('a recent call shows its trace id', { timeout: 40_000 }, async () => {
    if (!browser) throw launchError;
    const receiver = startOtlpReceiver();
    const { url, origin, gateway } = await startInProcess({
      mcpServers: { tr: { command: process.execPath, args: [TRACE_FIXTURE], tier: 'hot' } },
      switchyard: { telemetry: { enabled: true, endpoint: receiver.endpoint } },
    });
    const page = await browser.context.newPage();
    const console = watchConsole(page);
    try {
      await page.goto(`${origin}/dashboard`, { timeout: WAIT_MS });
      await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });

      const client = await connectClient(url);
      await client.listTools();
      const result = (await client.callTool({ name: TOOL, arguments: {} })) as {
        content: { text: string }[];
      };
      const { traceparent } = JSON.parse(result.content.map((c) => c.text).join('')) as {
        traceparent: string;
      };
      const callTrace = traceparent.split('-')[1]!;

      const rowOf = (name: string) =>
        page.locator('[data-testid="call-row"]', {
          has: page.locator('[data-field="name"]', { hasText: name }),
        });
      await rowOf(TOOL).waitFor({ timeout: WAIT_MS });
      expect(await rowOf(TOOL).locator('[data-field="trace"]').textContent()).toBe(callTrace);

      // tools/list: answered by the gateway (no backend, no name): the row whose method it is.
      const list = page.locator('[data-testid="call-row"]', {
        has: page.locator('[data-field="method"]', { hasText: 'tools/list' }),
      });
      const listTrace = await list.locator('[data-field="trace"]').textContent();
      expect(listTrace).toMatch(/^[0-9a-f]{32}$/);
      expect(listTrace).not.toBe(callTrace);
      await expect
        .poll(
          async () => {
            await gateway.telemetry?.flush();
            return receiver
              .spans()
              .some((s) => s.kind === SPAN_KIND.server && s.name === 'tools/list' && s.traceId === listTrace);
          },
          { timeout: 15_000, interval: 100 },
        )
        .toBe(true);
      expect(console.errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
