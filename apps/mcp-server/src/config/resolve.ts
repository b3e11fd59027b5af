/**
 * A validated configuration file made ready to run: one `BackendConfig` per enabled entry, its kind
 * decided (stdio, remote or module), every default filled in, relative paths resolved against the
 * config file's folder, and auth tokens read from the environment.
 */
import { isAbsolute, resolve } from 'node:path';
import { type CredentialValues, credentialAt, credentialRecord } from './credentials.ts';
import type { Environment } from './env.ts';
import { joinPath } from './path.ts';
import type { ConfigFile, ServerEntry, SwitchyardSettings } from './schema.ts';
import { Secret } from './secret.ts';

interface BackendCommon {
  name: string;
  tier: ServerEntry['tier'];
  replicas: { min: number; max: number };
  isolation: ServerEntry['isolation'];
  /** The prefix of its names, or false for none. */
  prefix: string | false;
  tools: { allow?: string[]; deny?: string[] };
  timeouts: ServerEntry['timeouts'];
  limits: ServerEntry['limits'];
  resilience: ServerEntry['resilience'];
  era: ServerEntry['era'];
  warmup: ServerEntry['warmup'];
}

/** What a backend is: a stdio process, a remote server, or a tool module on worker threads. */
export type BackendKind =
  | {
      kind: 'stdio';
      command: string;
      args: string[];
      env: Record<string, string>;
      /** More of the gateway's environment than the minimal set: all of it, or these names. */
      inheritEnv: boolean | string[];
      cwd?: string;
      /** For an npx/bunx entry: `prefetch` (install once, run the bin) or `launcher` (never the cache). */
      install?: 'launcher' | 'prefetch';
    }
  | {
      kind: 'remote';
      transport: 'streamable-http' | 'sse';
      url: string;
      /** Every value a `Secret`: headers carry credentials, and are never logged nor shown. */
      headers: Record<string, Secret>;
      /** Token exchange (RFC 8693) for this backend: what the exchanged token is asked for. */
      tokenExchange?: { resource: string; audience?: string; scope?: string[] };
    }
  | { kind: 'module'; module: string };

export type BackendConfig = BackendCommon & BackendKind;

type OAuthFile = NonNullable<SwitchyardSettings['auth']['oauth']>;
/** A client of the authorization server as the gateway is one: its secret read and kept redacted. */
type WithSecret<T> = Omit<T, 'clientSecret'> & { clientSecret: Secret };

/** `switchyard.auth.oauth` with its client secrets read. */
export interface OAuthConfig extends Omit<OAuthFile, 'introspection' | 'tokenExchange'> {
  introspection?: WithSecret<NonNullable<OAuthFile['introspection']>>;
  tokenExchange?: WithSecret<NonNullable<OAuthFile['tokenExchange']>>;
}

export interface GatewaySettings extends Omit<SwitchyardSettings, 'auth'> {
  auth: {
    tokens: { token: string; principal: string; groups?: string[] }[];
    allowUnauthenticatedLoopback: boolean;
    /** The OAuth resource server, when configured. */
    oauth?: OAuthConfig;
  };
}

export interface GatewayConfig {
  /** Where it came from: a file path, or `the embedded default`. */
  source: string;
  /** Enabled backends, in file order. */
  backends: BackendConfig[];
  /** Names of entries skipped because of `disabled: true`. */
  skipped: string[];
  settings: GatewaySettings;
}

/**
 * Workers of a per-session (per-principal) backend when `replicas` is not given: up to 16 sessions
 * (principals) at once.
 */
const PER_SESSION_REPLICAS = { min: 1, max: 16 };

function relativeTo(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function kindOf(entry: ServerEntry, at: string, baseDir: string, credentials: CredentialValues): BackendKind {
  if (entry.command !== undefined) {
    // ./server.sh is the config file's; a bare name is looked up on PATH.
    const command = /^\.\.?[/\\]/.test(entry.command) ? relativeTo(baseDir, entry.command) : entry.command;
    return {
      kind: 'stdio',
      command,
      args: entry.args ?? [],
      env: credentialRecord(entry.env, joinPath(at, 'env'), credentials),
      inheritEnv: entry.inheritEnv ?? false,
      ...(entry.cwd === undefined ? {} : { cwd: relativeTo(baseDir, entry.cwd) }),
      ...(entry.install === undefined ? {} : { install: entry.install }),
    };
  }
  if (entry.url !== undefined) {
    const sse = entry.type === 'sse' || (entry.type === undefined && entry.transportType === 'sse');
    return {
      kind: 'remote',
      transport: sse ? 'sse' : 'streamable-http',
      url: entry.url,
      headers: Object.fromEntries(
        Object.entries(credentialRecord(entry.headers, joinPath(at, 'headers'), credentials)).map(
          ([k, v]) => [k, new Secret(v)],
        ),
      ),
      ...(entry.tokenExchange && {
        tokenExchange: {
          resource: entry.tokenExchange.resource ?? entry.url,
          ...(entry.tokenExchange.audience !== undefined && { audience: entry.tokenExchange.audience }),
          ...(entry.tokenExchange.scope !== undefined && { scope: entry.tokenExchange.scope }),
        },
      }),
    };
  }
  return { kind: 'module', module: relativeTo(baseDir, entry.module ?? '') };
}

export function resolveBackend(
  name: string,
  entry: ServerEntry,
  baseDir: string,
  credentials: CredentialValues = new Map(),
): BackendConfig {
  const replicas =
    entry.replicas === undefined
      ? entry.isolation === 'per-session' || entry.isolation === 'per-principal'
        ? PER_SESSION_REPLICAS
        : { min: 1, max: 1 }
      : typeof entry.replicas === 'number'
        ? { min: entry.replicas, max: entry.replicas }
        : entry.replicas;
  const tools: BackendCommon['tools'] = {};
  if (entry.tools?.allow) tools.allow = entry.tools.allow;
  if (entry.tools?.deny) tools.deny = entry.tools.deny;
  return {
    name,
    tier: entry.tier,
    replicas,
    isolation: entry.isolation,
    prefix: entry.prefix ?? name,
    tools,
    timeouts: entry.timeouts,
    limits: entry.limits,
    resilience: entry.resilience,
    era: entry.era,
    warmup: entry.warmup,
    ...kindOf(entry, joinPath('mcpServers', name), baseDir, credentials),
  };
}

/** Tokens from `tokenEnv` must be set; `load.ts` checks that before calling this. */
export function resolveConfig(
  file: ConfigFile,
  options: {
    source: string;
    baseDir: string;
    env: Environment;
    skipped: string[];
    /** Credentials given as { env } / { file }, read (`readCredentials`). */
    credentials?: CredentialValues;
  },
): GatewayConfig {
  const credentials = options.credentials ?? new Map<string, string>();
  const { auth, journal, ...rest } = file.switchyard;
  return {
    source: options.source,
    backends: Object.entries(file.mcpServers).map(([name, entry]) =>
      resolveBackend(name, entry, options.baseDir, credentials),
    ),
    skipped: options.skipped,
    settings: {
      ...rest,
      // ':memory:' is SQLite's name for no file at all, not a path.
      journal: {
        ...journal,
        path: journal.path === ':memory:' ? journal.path : relativeTo(options.baseDir, journal.path),
      },
      auth: {
        // Without tokens or OAuth, loopback is the only way in; with either, credentials are needed
        // unless asked otherwise (a reverse proxy on the same host makes every caller a loopback one).
        allowUnauthenticatedLoopback:
          auth.allowUnauthenticatedLoopback ?? (auth.tokens.length === 0 && auth.oauth === undefined),
        tokens: auth.tokens.map((t) => ({
          token: t.token ?? options.env[t.tokenEnv ?? ''] ?? '',
          principal: t.principal,
          ...(t.groups && { groups: t.groups }),
        })),
        ...(auth.oauth && { oauth: oauthOf(auth.oauth, credentials) }),
      },
    },
  };
}

function oauthOf(oauth: OAuthFile, credentials: CredentialValues): OAuthConfig {
  const { introspection, tokenExchange, ...rest } = oauth;
  const at = 'switchyard.auth.oauth';
  return {
    ...rest,
    ...(introspection && {
      introspection: {
        ...introspection,
        clientSecret: new Secret(
          credentialAt(introspection.clientSecret, `${at}.introspection.clientSecret`, credentials),
        ),
      },
    }),
    ...(tokenExchange && {
      tokenExchange: {
        ...tokenExchange,
        clientSecret: new Secret(
          credentialAt(tokenExchange.clientSecret, `${at}.tokenExchange.clientSecret`, credentials),
        ),
      },
    }),
  };
}
