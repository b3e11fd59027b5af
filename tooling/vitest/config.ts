/**
 * The shared vitest configuration of every Switchyard workspace.
 *
 * Tests run under Bun (`bun --bun vitest run`) with the `threads` pool (the `forks` pool fails
 * under Bun). Each run also writes `.vitest/results.json`, which `.ci/run` sums into its closing
 * `N passed, N failed` line.
 */
import { defineConfig, type ViteUserConfig } from 'vitest/config';

export interface SwitchyardTestOptions {
  /** Per-test timeout; real processes and sockets need more than vitest's 5 s default on 2 cores. */
  testTimeoutMs?: number;
  /** Files to include, relative to the package. */
  include?: string[];
  /** Extra files to leave out. */
  exclude?: string[];
  /** Run test files one after another (for suites that start many processes). */
  serial?: boolean;
}

export function defineSwitchyardConfig(options: SwitchyardTestOptions = {}): ViteUserConfig {
  return defineConfig({
    test: {
      include: options.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
      exclude: ['**/node_modules/**', '**/dist/**', ...(options.exclude ?? [])],
      pool: 'threads',
      fileParallelism: !options.serial,
      maxWorkers: options.serial ? 1 : 2,
      testTimeout: options.testTimeoutMs ?? 20_000,
      hookTimeout: 30_000,
      reporters: ['default', 'json'],
      outputFile: { json: '.vitest/results.json' },
    },
  });
}
