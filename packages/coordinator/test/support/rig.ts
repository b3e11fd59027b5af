/**
 * A coordinator over a `StdioTier` of real fixture processes, closed after each test, then its tier
 * stopped and its journal (if the options name one) closed.
 */
import { afterEach } from 'vitest';
import { MCPCoordinator, type MCPCoordinatorOptions } from '../../src/index.ts';
import type { StdioTier } from './stdio-tier.ts';

export interface Rig {
  tier: StdioTier;
  coordinator: MCPCoordinator;
}

/** Call once at a test file's top level; the function it returns builds the test's rig. */
export function rigPerTest(): (tier: StdioTier, options: Omit<MCPCoordinatorOptions, 'tiers'>) => Rig {
  let current: (Rig & { journal: MCPCoordinatorOptions['journal'] }) | undefined;
  afterEach(async () => {
    if (!current) return;
    const { coordinator, tier, journal } = current;
    current = undefined;
    await coordinator.close();
    await tier.stop();
    await journal?.close();
  });
  return (tier, options) => {
    current = {
      tier,
      coordinator: new MCPCoordinator({ tiers: tier, ...options }),
      journal: options.journal,
    };
    return current;
  };
}
