/**
 * `switchyard.policy` as the coordinator's `AccessPolicy`. Without rules and with the default
 * `allow` there is no policy at all: nothing is filtered and no decision is audited, as before the
 * key existed.
 */
import { type AccessPolicy, RulePolicy } from '@switchyard/coordinator';
import type { GatewaySettings } from '../config/resolve.ts';

export type PolicySettings = GatewaySettings['policy'];

/** The coordinator's `policy` option: none, or the rules. */
export function policyOption(settings: PolicySettings): { policy?: AccessPolicy } {
  if (settings.rules.length === 0 && settings.default === 'allow') return {};
  return { policy: new RulePolicy({ default: settings.default, rules: settings.rules }) };
}
