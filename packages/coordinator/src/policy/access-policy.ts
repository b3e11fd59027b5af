/**
 * Who may use which tool, prompt, resource or resource template: the seam the coordinator asks on
 * every list (an item the caller may not use is not listed) and every call (a denied one is refused
 * with `POLICY_DENIED`, and audited). The coordinator holds no rules of its own; the app builds an
 * `AccessPolicy` from its configuration (`RulePolicy` is the rule-list one) and passes it in.
 */

/** What the front door established about a caller beyond its principal (from its token). */
export interface CallerClaims {
  /** The OAuth client the token was issued to (`client_id`, else `azp`), for the audit. */
  clientId?: string;
  /** The groups the caller is in (a JWT's groups claim, or a static token's configured groups). */
  groups?: readonly string[];
  /** The scopes granted to the token (`scope` / `scp`). */
  scopes?: readonly string[];
}

/** The caller a decision is about. */
export interface PolicySubject extends CallerClaims {
  /** The authenticated principal; `null` for an anonymous client. */
  principal: string | null;
}

/** What kind of item a decision is about. */
export type PolicyItemKind = 'tool' | 'prompt' | 'resource' | 'resourceTemplate';

/** One item of one backend, by the backend's own name for it. */
export interface PolicyTarget {
  kind: PolicyItemKind;
  /** The backend's configured name. */
  backend: string;
  /** The backend's own tool or prompt name, the resource's URI, or the template's URI template. */
  name: string;
}

/** A decision, and the rule that made it (`null`: no rule matched, the default applied). */
export type PolicyDecision =
  | { allowed: true; rule: string | null }
  | { allowed: false; rule: string | null; reason: string };

export interface AccessPolicy {
  /** Whether `subject` may list and use `target`. Pure and synchronous: it runs per listed item. */
  decide(subject: PolicySubject, target: PolicyTarget): PolicyDecision;
}
