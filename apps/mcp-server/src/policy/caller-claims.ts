/**
 * What the access policy knows of a caller beyond its principal, from how the front door let it
 * in: a static token's configured groups; an access token's scopes, its client (`client_id` /
 * `azp`) and the groups in its groups claim (`switchyard.policy.groupsClaim`: an array of strings,
 * or one space-separated string — anything else gives no groups).
 */
import type { CallerClaims } from '@switchyard/coordinator';

export interface Admitted {
  clientId?: string;
  groups?: readonly string[];
  scopes?: readonly string[];
  claims?: Readonly<Record<string, unknown>>;
}

export function callerClaims(who: Admitted, groupsClaim: string): CallerClaims {
  const groups = who.groups ?? (who.claims && groupsIn(who.claims[groupsClaim]));
  return {
    ...(who.clientId !== undefined && { clientId: who.clientId }),
    ...(groups !== undefined && { groups }),
    ...(who.scopes !== undefined && { scopes: who.scopes }),
  };
}

function groupsIn(value: unknown): readonly string[] | undefined {
  if (typeof value === 'string') return value.split(' ').filter((g) => g !== '');
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string' && g !== '');
  return undefined;
}
