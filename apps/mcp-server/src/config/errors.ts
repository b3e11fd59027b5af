/**
 * `ConfigError`: a configuration could not be used. It carries every issue found, not only the
 * first, each naming the key (`mcpServers.github.tier`), what was expected and what was found.
 * The brand `Symbol.for('switchyard.mcp-server.ConfigError')` makes `isConfigError` hold across
 * realms and duplicate copies of this module.
 */

/** One thing wrong with a configuration. */
export interface ConfigIssue {
  /** Dotted path of the key (`mcpServers.github.tier`); `''` for the whole file. */
  path: string;
  /** What the key should hold, in words: `one of hot, warm, cold, auto`. */
  expected: string;
  /** What it held, in words: `"hott"`, `a number (42)`, `nothing`. */
  found: string;
  /** Extra detail for a person (a syntax fault's line and column). */
  line?: number;
  column?: number;
}

const BRAND = Symbol.for('switchyard.mcp-server.ConfigError');

/** `mcpServers.github.tier: expected one of hot, warm, cold, auto; found "hott"`. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? '' : `line ${issue.line}, column ${issue.column ?? 1}: `;
  const path = issue.path === '' ? '' : `${issue.path}: `;
  return `${where}${path}expected ${issue.expected}; found ${issue.found}`;
}

export class ConfigError extends Error {
  constructor(
    /** The file the configuration came from, or a description such as `the embedded default`. */
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`${source}: ${count}\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.name = 'ConfigError';
    Object.defineProperty(this, BRAND, { value: true });
  }
}

export function isConfigError(value: unknown): value is ConfigError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
