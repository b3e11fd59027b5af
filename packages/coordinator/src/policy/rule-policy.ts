/**
 * `RulePolicy`: an `AccessPolicy` from a list of allow / deny rules.
 *
 * A rule applies to a caller when each of its caller fields that is given matches (principal,
 * groups, scopes, client), and to an item when each of its item fields that is given matches
 * (backend; then `tools`, `prompts` or `resources` by the item's kind). Within a field any one
 * pattern is enough; a field left out matches everything. A rule naming none of `tools`, `prompts`,
 * `resources` covers every item of its backends; one naming some covers only those kinds
 * (`{ tools: ["delete_*"] }` says nothing about prompts).
 *
 * Patterns are exact strings or globs (`*` any run, `?` one character). Tools and prompts are
 * matched by the backend's own name (before any prefix), resources by their URI, resource
 * templates by their URI template.
 *
 * Deny wins: any matching `deny` rule denies, whatever allows. Else a matching `allow` rule
 * allows. Else `default` decides (`allow` unless configured). The decision names the first
 * matching rule of its effect (in configuration order), or none when the default applied.
 */
import { InvalidConfigError } from '../errors.ts';
import { PatternSet } from '../naming/glob.ts';
import type { AccessPolicy, PolicyDecision, PolicySubject, PolicyTarget } from './access-policy.ts';

export type PolicyEffect = 'allow' | 'deny';

export interface PolicyRule {
  /** Names the rule in refusals and the audit trail; unique. */
  id: string;
  effect: PolicyEffect;
  principals?: readonly string[];
  groups?: readonly string[];
  scopes?: readonly string[];
  /** OAuth client ids (`client_id` / `azp`). */
  clients?: readonly string[];
  backends?: readonly string[];
  tools?: readonly string[];
  prompts?: readonly string[];
  resources?: readonly string[];
}

export interface RulePolicyConfig {
  /** When no rule matches. Default `allow`. */
  default?: PolicyEffect;
  rules: readonly PolicyRule[];
}

const optional = (patterns: readonly string[] | undefined) =>
  patterns === undefined ? undefined : new PatternSet(patterns);

class CompiledRule {
  readonly id: string;
  readonly effect: PolicyEffect;
  private readonly principals: PatternSet | undefined;
  private readonly groups: PatternSet | undefined;
  private readonly scopes: PatternSet | undefined;
  private readonly clients: PatternSet | undefined;
  private readonly backends: PatternSet | undefined;
  /** By item kind; all undefined: every kind. */
  private readonly items: Readonly<Record<PolicyTarget['kind'], PatternSet | undefined>>;
  private readonly anyItem: boolean;

  constructor(rule: PolicyRule) {
    this.id = rule.id;
    this.effect = rule.effect;
    this.principals = optional(rule.principals);
    this.groups = optional(rule.groups);
    this.scopes = optional(rule.scopes);
    this.clients = optional(rule.clients);
    this.backends = optional(rule.backends);
    const resources = optional(rule.resources);
    this.items = {
      tool: optional(rule.tools),
      prompt: optional(rule.prompts),
      resource: resources,
      resourceTemplate: resources,
    };
    this.anyItem = rule.tools === undefined && rule.prompts === undefined && rule.resources === undefined;
  }

  appliesTo(subject: PolicySubject): boolean {
    if (this.principals && (subject.principal === null || !this.principals.matches(subject.principal)))
      return false;
    if (this.groups && !this.groups.matchesAny(subject.groups)) return false;
    if (this.scopes && !this.scopes.matchesAny(subject.scopes)) return false;
    if (this.clients && (subject.clientId === undefined || !this.clients.matches(subject.clientId)))
      return false;
    return true;
  }

  covers(target: PolicyTarget): boolean {
    if (this.backends && !this.backends.matches(target.backend)) return false;
    if (this.anyItem) return true;
    return this.items[target.kind]?.matches(target.name) ?? false;
  }
}

const WORDS: Readonly<Record<PolicyTarget['kind'], string>> = {
  tool: 'tool',
  prompt: 'prompt',
  resource: 'resource',
  resourceTemplate: 'resource template',
};

export class RulePolicy implements AccessPolicy {
  private readonly rules: readonly CompiledRule[];
  private readonly fallback: PolicyEffect;

  /** Throws `InvalidConfigError` when a rule has no id or two rules share one. */
  constructor(config: RulePolicyConfig) {
    const seen = new Set<string>();
    const problems: string[] = [];
    config.rules.forEach((r, i) => {
      if (r.id === '') problems.push(`rules[${i}].id is empty`);
      else if (seen.has(r.id)) problems.push(`rules[${i}].id ${JSON.stringify(r.id)} is used twice`);
      seen.add(r.id);
    });
    if (problems.length > 0) throw new InvalidConfigError('policy', problems);
    this.rules = config.rules.map((r) => new CompiledRule(r));
    this.fallback = config.default ?? 'allow';
  }

  decide(subject: PolicySubject, target: PolicyTarget): PolicyDecision {
    let allowedBy: string | undefined;
    for (const rule of this.rules) {
      if (!rule.covers(target) || !rule.appliesTo(subject)) continue;
      if (rule.effect === 'deny') {
        return {
          allowed: false,
          rule: rule.id,
          reason: `${WORDS[target.kind]} ${JSON.stringify(target.name)} of backend ${JSON.stringify(target.backend)} is denied by policy rule ${JSON.stringify(rule.id)}`,
        };
      }
      allowedBy ??= rule.id;
    }
    if (allowedBy !== undefined) return { allowed: true, rule: allowedBy };
    if (this.fallback === 'allow') return { allowed: true, rule: null };
    return {
      allowed: false,
      rule: null,
      reason: `${WORDS[target.kind]} ${JSON.stringify(target.name)} of backend ${JSON.stringify(target.backend)} is denied by policy: no rule allows it (policy default: deny)`,
    };
  }
}
