/**
 * The dashboard of a real gateway in headless Chromium (Debian's chromium, driven by
 * playwright-core): the page loads without console errors, shows the backends, and shows a call
 * an SDK client has just made through the gateway.
 */
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedBrowser, launchBrowser, watchConsole } from '../../../tooling/testing/browser.ts';
import { BUILTIN, connectClient, fixtureEntry, startInProcess } from './support/gateway.ts';

const WAIT_MS = 10_000;

describe('dashboard of a running gateway, in Chromium', () => {
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

  it('shows the backends and the call a client just made, with no console errors', {
    timeout: 30_000,
  }, async () => {
    if (!browser) throw launchError;
    const { url, origin } = await startInProcess({
      mcpServers: { builtin: { module: BUILTIN, tier: 'hot' }, fx: fixtureEntry('fx', { tier: 'hot' }) },
    });
    const page = await browser.context.newPage();
    const console = watchConsole(page);
    try {
      const response = await page.goto(`${origin}/dashboard`, { timeout: WAIT_MS });
      expect(response?.status()).toBe(200);
      await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });
      const names = page.locator('[data-testid="backend-row"] [data-field="name"]');
      await names.first().waitFor({ timeout: WAIT_MS });
      expect((await names.allTextContents()).sort()).toEqual(['builtin', 'fx']);

      const client = await connectClient(url);
      await client.callTool({ name: 'fx__add', arguments: { a: 40, b: 2 } });
      const row = page.locator('[data-testid="call-row"]', {
        has: page.locator('[data-field="name"]', { hasText: 'fx__add' }),
      });
      await row.waitFor({ timeout: WAIT_MS });
      expect(await row.locator('[data-field="backend"]').textContent()).toBe('fx');
      expect(await row.locator('[data-field="outcome"]').textContent()).toBe('ok');
      expect(console.errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
