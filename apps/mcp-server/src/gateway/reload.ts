/**
 * What a configuration reload changes: backends added, removed, replaced (any key of their entry
 * changed) and unchanged, the settings applied at once (`policy`), and those that take effect only
 * at restart (the listener, auth, the journal, budgets, namespacing…). Pure: the gateway applies
 * the plan.
 */
import type { BackendConfig, GatewayConfig } from '../config/resolve.ts';

export interface ReloadPlan {
  added: BackendConfig[];
  removed: string[];
  replaced: BackendConfig[];
  unchanged: string[];
  /** `switchyard.*` keys whose change needs a restart (the running values stay). */
  restartNeeded: string[];
  /** `switchyard.*` keys whose change is applied by the reload itself. */
  applied: string[];
}

/** The settings a reload applies (the rest wait for a restart). */
const LIVE_SETTINGS: ReadonlySet<string> = new Set(['policy']);

export interface ReloadReport {
  added: string[];
  removed: string[];
  replaced: string[];
  unchanged: string[];
  restartNeeded: string[];
  applied: string[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function planReload(current: GatewayConfig, next: GatewayConfig): ReloadPlan {
  const before = new Map(current.backends.map((b) => [b.name, b]));
  const after = new Map(next.backends.map((b) => [b.name, b]));
  const plan: ReloadPlan = {
    added: [],
    removed: [],
    replaced: [],
    unchanged: [],
    restartNeeded: [],
    applied: [],
  };
  for (const [name, backend] of after) {
    const old = before.get(name);
    if (!old) plan.added.push(backend);
    else if (same(old, backend)) plan.unchanged.push(name);
    else plan.replaced.push(backend);
  }
  for (const name of before.keys()) if (!after.has(name)) plan.removed.push(name);
  const settings = Object.keys(next.settings) as (keyof GatewayConfig['settings'])[];
  for (const key of settings) {
    if (same(current.settings[key], next.settings[key])) continue;
    (LIVE_SETTINGS.has(key) ? plan.applied : plan.restartNeeded).push(`switchyard.${key}`);
  }
  return plan;
}

export function reportOf(plan: ReloadPlan): ReloadReport {
  return {
    added: plan.added.map((b) => b.name),
    removed: plan.removed,
    replaced: plan.replaced.map((b) => b.name),
    unchanged: plan.unchanged,
    restartNeeded: plan.restartNeeded,
    applied: plan.applied,
  };
}
