/**
 * Real Chromium for tests: Debian's `chromium` (listed in `.ci/apt-packages`, which `.ci/run`
 * installs) driven by `playwright-core`. Playwright never downloads a browser here: it is always
 * given `executablePath`.
 *
 * The caller passes `chromium` from `playwright-core`, so each workspace that runs browser tests
 * declares that dependency itself (Bun installs workspaces isolated: this folder cannot resolve
 * it). Usage:
 *
 *   import { chromium } from 'playwright-core';
 *   const browser = await launchBrowser(chromium);
 *   const page = await browser.context.newPage();
 *   const console = watchConsole(page);
 *   …
 *   await browser.close();
 */
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Belt and braces: nothing in a test run may fetch a browser.
process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';

/** Whether Debian's Chromium is installed where the harness looks for it. */
export function chromiumAvailable(): boolean {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class ChromiumMissingError extends Error {
  constructor() {
    super(
      `Chromium is not installed at ${CHROMIUM_PATH}. Browser tests need it: run \`apt-get install -y chromium\` ` +
        '(it is listed in .ci/apt-packages, which .ci/run installs).',
    );
    this.name = 'ChromiumMissingError';
  }
}

/** The options the harness passes; a subset of playwright's `launchPersistentContext` options. */
export interface HarnessLaunchOptions {
  executablePath: string;
  headless: boolean;
  args: string[];
  chromiumSandbox: boolean;
  timeout: number;
}

/** What the harness needs of playwright's `chromium` (a `BrowserType`). */
export interface ChromiumLauncher<Context> {
  launchPersistentContext(userDataDir: string, options: HarnessLaunchOptions): Promise<Context>;
}

export interface LaunchedBrowser<Context> {
  /** A browser context (playwright's `BrowserContext`): open pages with `context.newPage()`. */
  context: Context;
  /** The fresh profile folder, removed by `close()`. */
  userDataDir: string;
  /** Closes the browser and removes its profile; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts headless Chromium with a fresh temporary profile. Throws `ChromiumMissingError` (never
 * skips) when Chromium is not installed.
 */
export async function launchBrowser<Context extends { close(): Promise<void> }>(
  chromium: ChromiumLauncher<Context>,
  options: { timeoutMs?: number } = {},
): Promise<LaunchedBrowser<Context>> {
  if (!chromiumAvailable()) throw new ChromiumMissingError();
  const userDataDir = await mkdtemp(join(tmpdir(), 'switchyard-chromium-'));
  let context: Context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS],
      chromiumSandbox: false,
      timeout: options.timeoutMs ?? 30_000,
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    context,
    userDataDir,
    close() {
      closing ??= (async () => {
        try {
          await context.close();
        } finally {
          await rm(userDataDir, { recursive: true, force: true });
        }
      })();
      return closing;
    },
  };
}

/** What `watchConsole` needs of playwright's `ConsoleMessage`. */
export interface ConsoleMessageLike {
  type(): string;
  text(): string;
  location(): { url: string; lineNumber: number };
}

/** What `watchConsole` needs of playwright's `Page`. */
export interface WatchablePage {
  on(event: 'console', listener: (message: ConsoleMessageLike) => unknown): unknown;
  on(event: 'pageerror', listener: (error: Error) => unknown): unknown;
}

export interface ConsoleWatch {
  /** Console errors (`console.error`, failed loads, CSP violations) and uncaught page errors. */
  errors: string[];
  /** Console warnings, for diagnostics. */
  warnings: string[];
}

/** Collects a page's console errors and uncaught exceptions from now on. */
export function watchConsole(page: WatchablePage): ConsoleWatch {
  const watch: ConsoleWatch = { errors: [], warnings: [] };
  page.on('console', (message) => {
    const type = message.type();
    if (type !== 'error' && type !== 'warning') return;
    const { url, lineNumber } = message.location();
    const where = url ? ` (${url}:${lineNumber})` : '';
    (type === 'error' ? watch.errors : watch.warnings).push(`${message.text()}${where}`);
  });
  page.on('pageerror', (error) => {
    watch.errors.push(`uncaught: ${error.stack ?? error.message}`);
  });
  return watch;
}
