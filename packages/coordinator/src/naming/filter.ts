/**
 * A per-backend allow / deny list of names (tools, by the name the backend lists them under).
 * Each entry is an exact name or a glob (`*`, `?`). Deny wins: a name matched by both is hidden.
 * Without `allow` every name not denied passes; `allow: []` lets nothing through.
 */
import { PatternSet } from './glob.ts';

export interface NameFilterConfig {
  allow?: readonly string[];
  deny?: readonly string[];
}

export class NameFilter {
  private readonly allow: PatternSet | undefined;
  private readonly deny: PatternSet;

  constructor(config: NameFilterConfig = {}) {
    this.allow = config.allow ? new PatternSet(config.allow) : undefined;
    this.deny = new PatternSet(config.deny ?? []);
  }

  /** Whether a backend's name is shown (and callable) through the gateway. */
  allows(name: string): boolean {
    if (this.deny.matches(name)) return false;
    return this.allow ? this.allow.matches(name) : true;
  }
}

/** Lets every name through. */
export const ALLOW_ALL = new NameFilter();
