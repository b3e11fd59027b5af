/**
 * Loading a configuration: JSON or JSONC text → entries with `disabled: true` set aside →
 * `${VAR}` expansion → validation → a `GatewayConfig`. Every issue of every step is gathered
 * into one `ConfigError` naming the file, so a person fixes them all in one go.
 *
 * The environment is passed in (`options.env`); nothing here reads `process.env`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { clusterIssues } from './cluster-rules.ts';
import { readCredentials } from './credentials.ts';
import { entryRuleIssues } from './entry-rules.ts';
import { type Environment, expandEnv } from './env.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { describeValue, expectedWords, toConfigIssues } from './issues.ts';
import { type JsonValue, parseJsonc } from './jsonc.ts';
import { joinPath } from './path.ts';
import { type GatewayConfig, resolveConfig } from './resolve.ts';
import { ConfigFileSchema } from './schema.ts';
import { upstreamIssues } from './upstream-rules.ts';

export interface LoadOptions {
  /** The environment `${VAR}` and `tokenEnv` read from. */
  env: Environment;
}

export interface ParseOptions extends LoadOptions {
  /** Named in errors: the file's path, or a description. */
  source: string;
  /** Relative paths in the configuration are relative to this. */
  baseDir: string;
  /** Also check that each `module` file exists (a configuration read from disk). Default false. */
  checkFiles?: boolean;
}

function isPlainObject(value: unknown): value is Record<string, JsonValue> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Entries with `disabled: true` are skipped before anything else looks at them. */
function setDisabledAside(doc: Record<string, JsonValue>): {
  doc: Record<string, JsonValue>;
  skipped: string[];
} {
  const servers = doc.mcpServers;
  if (!isPlainObject(servers)) return { doc, skipped: [] };
  const kept: Record<string, JsonValue> = {};
  const skipped: string[] = [];
  for (const [name, entry] of Object.entries(servers)) {
    if (isPlainObject(entry) && entry.disabled === true) skipped.push(name);
    else
      Object.defineProperty(kept, name, {
        value: entry,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return { doc: { ...doc, mcpServers: kept }, skipped };
}

/** `tokenEnv` names a variable that must be set (and hold a token of 16 characters or more). */
function tokenEnvIssues(doc: Record<string, JsonValue>, env: Environment): ConfigIssue[] {
  const sw = doc.switchyard;
  const auth = isPlainObject(sw) ? sw.auth : undefined;
  const tokens = isPlainObject(auth) ? auth.tokens : undefined;
  if (!Array.isArray(tokens)) return [];
  const issues: ConfigIssue[] = [];
  tokens.forEach((t, i) => {
    if (!isPlainObject(t) || typeof t.tokenEnv !== 'string') return;
    const value = env[t.tokenEnv];
    if (value === undefined || value.length < 16) {
      issues.push({
        path: joinPath(`switchyard.auth.tokens.${i}`, 'tokenEnv'),
        expected: `the environment variable ${t.tokenEnv} to hold a token of at least 16 characters`,
        found: value === undefined ? `${t.tokenEnv} unset` : `${value.length} character(s)`,
      });
    }
  });
  return issues;
}

/**
 * An unset variable is one problem however often it is used: its first use stands for all, the
 * others named after it. Returns the issues kept and the paths whose value held an unset variable.
 */
function mergeUnsetVariables(issues: readonly ConfigIssue[]): { issues: ConfigIssue[]; paths: Set<string> } {
  const byName = new Map<string, { issue: ConfigIssue; also: string[] }>();
  const kept: ConfigIssue[] = [];
  const paths = new Set<string>();
  for (const issue of issues) {
    const unset = /^([A-Za-z_][A-Za-z0-9_]*) unset$/.exec(issue.found)?.[1];
    if (unset === undefined) {
      kept.push(issue);
      continue;
    }
    paths.add(issue.path);
    const seen = byName.get(unset);
    if (seen === undefined) byName.set(unset, { issue, also: [] });
    else if (seen.issue.path !== issue.path && !seen.also.includes(issue.path)) seen.also.push(issue.path);
  }
  for (const { issue, also } of byName.values()) {
    kept.push(
      also.length === 0 ? issue : { ...issue, found: `${issue.found} (also used at ${also.join(', ')})` },
    );
  }
  return { issues: kept, paths };
}

/** Each `module` entry names a file that exists (resolved as the gateway will resolve it). */
function moduleFileIssues(servers: Record<string, JsonValue>, baseDir: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [name, entry] of Object.entries(servers)) {
    if (!isPlainObject(entry) || typeof entry.module !== 'string' || entry.module === '') continue;
    if (entry.command !== undefined || entry.url !== undefined) continue; // reported as a kind clash
    const file = resolve(baseDir, entry.module);
    if (!existsSync(file)) {
      issues.push({
        path: joinPath(joinPath('mcpServers', name), 'module'),
        expected: 'a tool module file that exists (relative to the configuration file)',
        found: `no file at ${file}`,
      });
    }
  }
  return issues;
}

/** Validate an already parsed document. Throws `ConfigError` with every issue. */
export function parseConfigValue(value: JsonValue, options: ParseOptions): GatewayConfig {
  if (!isPlainObject(value)) {
    throw new ConfigError(options.source, [
      { path: '', expected: 'an object with an "mcpServers" key', found: describeValue(value) },
    ]);
  }
  const { doc, skipped } = setDisabledAside(value);
  const expanded = expandEnv(doc, options.env);
  const input = expanded.value as Record<string, JsonValue>;
  const unset = mergeUnsetVariables(expanded.issues);
  const issues: ConfigIssue[] = [...unset.issues];
  if (isPlainObject(input.mcpServers)) {
    for (const [name, entry] of Object.entries(input.mcpServers)) {
      issues.push(...entryRuleIssues(entry, joinPath('mcpServers', name)));
    }
    if (options.checkFiles) issues.push(...moduleFileIssues(input.mcpServers, options.baseDir));
  }
  issues.push(...tokenEnvIssues(input, options.env));
  const parsed = ConfigFileSchema.safeParse(input, { error: expectedWords });
  if (!parsed.success) {
    // A key whose variable is unset is reported as that, not again as a value of the wrong form.
    issues.push(...toConfigIssues(parsed.error.issues, input).filter((i) => !unset.paths.has(i.path)));
  }
  const credentials = parsed.success
    ? readCredentials(parsed.data, { env: options.env, baseDir: options.baseDir })
    : undefined;
  if (credentials && parsed.success)
    issues.push(...credentials.issues, ...upstreamIssues(parsed.data), ...clusterIssues(parsed.data));
  if (issues.length > 0 || !parsed.success) {
    // Grouped by key, so a backend's problems stand together.
    throw new ConfigError(
      options.source,
      issues.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    );
  }
  return resolveConfig(parsed.data, {
    source: options.source,
    baseDir: options.baseDir,
    env: options.env,
    skipped,
    ...(credentials && { credentials: credentials.values }),
  });
}

/** Parse JSON or JSONC text. Throws `ConfigError` with every issue (a syntax fault with its line and column). */
export function parseConfigText(text: string, options: ParseOptions): GatewayConfig {
  const parsed = parseJsonc(text);
  if (!parsed.ok) {
    const { line, column, expected, found } = parsed.fault;
    throw new ConfigError(options.source, [{ path: '', expected, found, line, column }]);
  }
  return parseConfigValue(parsed.value, options);
}

/** Read and parse a configuration file; relative paths inside it are relative to its folder. */
export async function loadConfigFile(
  file: string,
  options: LoadOptions & { cwd?: string },
): Promise<GatewayConfig> {
  const path = resolve(options.cwd ?? '.', file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const found = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : String(error);
    throw new ConfigError(file, [{ path: '', expected: 'a readable configuration file', found }]);
  }
  return parseConfigText(text, { source: file, baseDir: dirname(path), env: options.env, checkFiles: true });
}
