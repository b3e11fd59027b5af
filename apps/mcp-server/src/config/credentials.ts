/**
 * Credentials given as `{ "env": "NAME" }` or `{ "file": "path" }` (with an optional `prefix`) in a
 * validated configuration — a remote's `headers`, a stdio entry's `env`, the gateway's client
 * secrets — read once, at load (and so at every reload). An unset or empty variable, or a file that
 * cannot be read or is empty, is an issue naming the key, never the value.
 *
 * The environment is passed in; files are read synchronously (a load is synchronous).
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Environment } from './env.ts';
import type { ConfigIssue } from './errors.ts';
import { joinPath } from './path.ts';
import type { ConfigFile, CredentialRef } from './schema.ts';

export type Credential = string | CredentialRef;

/** Values read, by the key path of each reference (`mcpServers.api.headers.Authorization`). */
export type CredentialValues = ReadonlyMap<string, string>;

function read(ref: CredentialRef, path: string, env: Environment, baseDir: string): string | ConfigIssue {
  if (ref.env !== undefined) {
    const value = env[ref.env];
    if (value === undefined || value === '')
      return {
        path: joinPath(path, 'env'),
        expected: `the environment variable ${ref.env} to be set and not empty`,
        found: value === undefined ? `${ref.env} unset` : `${ref.env} empty`,
      };
    return `${ref.prefix ?? ''}${value}`;
  }
  const file = isAbsolute(ref.file ?? '') ? (ref.file ?? '') : resolve(baseDir, ref.file ?? '');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      path: joinPath(path, 'file'),
      expected: 'a readable file holding the value (relative to the configuration file)',
      found: code === 'ENOENT' ? `no file at ${file}` : `${file}: ${code ?? 'unreadable'}`,
    };
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '')
    return { path: joinPath(path, 'file'), expected: 'a file holding the value', found: `${file} is empty` };
  return `${ref.prefix ?? ''}${value}`;
}

/** Every reference of `file` read; the issues of those that could not be. */
export function readCredentials(
  file: ConfigFile,
  options: { env: Environment; baseDir: string },
): { values: CredentialValues; issues: ConfigIssue[] } {
  const values = new Map<string, string>();
  const issues: ConfigIssue[] = [];
  const visit = (value: Credential | undefined, path: string): void => {
    if (value === undefined || typeof value === 'string') return;
    const got = read(value, path, options.env, options.baseDir);
    if (typeof got === 'string') values.set(path, got);
    else issues.push(got);
  };
  for (const [name, entry] of Object.entries(file.mcpServers)) {
    const at = joinPath('mcpServers', name);
    for (const [key, value] of Object.entries(entry.headers ?? {}))
      visit(value, joinPath(joinPath(at, 'headers'), key));
    for (const [key, value] of Object.entries(entry.env ?? {}))
      visit(value, joinPath(joinPath(at, 'env'), key));
  }
  const oauth = file.switchyard.auth.oauth;
  if (oauth?.introspection)
    visit(oauth.introspection.clientSecret, 'switchyard.auth.oauth.introspection.clientSecret');
  if (oauth?.tokenExchange)
    visit(oauth.tokenExchange.clientSecret, 'switchyard.auth.oauth.tokenExchange.clientSecret');
  return { values, issues };
}

/** The value at `path`: given as is, or read by `readCredentials`. */
export function credentialAt(value: Credential, path: string, values: CredentialValues): string {
  return typeof value === 'string' ? value : (values.get(path) ?? '');
}

/** Each entry of `record` as its value (given or read). */
export function credentialRecord(
  record: Readonly<Record<string, Credential>> | undefined,
  path: string,
  values: CredentialValues,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record ?? {}))
    Object.defineProperty(out, key, {
      value: credentialAt(value, joinPath(path, key), values),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}
