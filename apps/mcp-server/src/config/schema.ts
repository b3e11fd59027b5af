/**
 * The configuration file, as zod schemas: the `mcpServers` object MCP clients already use, taken
 * as it is, with Switchyard's own keys beside the client's inside each entry, and Switchyard's
 * global settings under a top-level `switchyard` object.
 *
 * Each schema's error messages are the "expected …" half of an issue (the loader adds the
 * "found …" half from the input). Descriptions feed the JSON Schema and the README's key table.
 */
import { z } from 'zod';

/** Characters allowed in a backend name: those of a tool-name prefix. */
export const BACKEND_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const BACKEND_NAME_WORDS = 'a name of 1 to 64 letters, digits, _ or -';

/** Keys MCP clients write in an entry that Switchyard accepts and ignores (`disabled` skips the entry). */
export const CLIENT_KEYS = [
  'disabled',
  'autoApprove',
  'alwaysAllow',
  'timeout',
  'transportType',
  'description',
  'name',
  'trust',
  'disabledTools',
  'watchPaths',
] as const;

/** A non-negative integer; a string of digits is taken too, so `"${PORT:-8080}"` works. */
function int(min: number, max = Number.MAX_SAFE_INTEGER) {
  const words = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
  const check = (n: number) => Number.isSafeInteger(n) && n >= min && n <= max;
  const number = z.number({ error: words }).int({ error: words }).min(min, { error: words });
  return z.union(
    [
      max === Number.MAX_SAFE_INTEGER ? number : number.max(max, { error: words }),
      z
        .string()
        .regex(/^[0-9]+$/)
        .transform(Number)
        .refine(check, { error: words }),
    ],
    { error: words },
  );
}

const patterns = z
  .array(z.string().min(1, { error: 'a non-empty name or glob' }))
  .describe('Tool names as the backend lists them, or globs with * and ?.');

const tier = z
  .enum(['hot', 'warm', 'cold', 'auto'])
  .default('warm')
  .describe(
    'hot: started and initialized before any request, never reaped; warm: started on first demand, kept for timeouts.idleMs; cold: started per need, stopped after; auto: moved between tiers by demand under switchyard.budget.',
  );

const replicas = z
  .union([int(1), z.strictObject({ min: int(0).default(0), max: int(1).default(1) })], {
    error: 'a number of workers, or { "min": …, "max": … }',
  })
  .optional()
  .describe(
    'Workers of this backend: a number (exactly that many) or { min, max }. Default 1; for per-session and per-principal backends { "min": 1, "max": 16 } (max bounds the sessions, or principals, served at once).',
  );

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A credential read at load (and reload) from the gateway's environment or from a file. */
export const credentialRef = z
  .strictObject({
    env: z
      .string()
      .regex(ENV_NAME, { error: 'an environment variable name' })
      .optional()
      .describe("The gateway's environment variable holding the value."),
    file: z
      .string()
      .min(1, { error: 'a non-empty path' })
      .optional()
      .describe('A file holding the value (relative to the config file; one trailing newline is dropped).'),
    prefix: z.string().optional().describe('Put before the value read, e.g. "Bearer ".'),
  })
  .refine((r) => (r.env === undefined) !== (r.file === undefined), { error: 'exactly one of env and file' });

export type CredentialRef = z.infer<typeof credentialRef>;

/** A value given as is (`${VAR}` expanded), or read from the environment or a file. */
const credential = z.union([z.string(), credentialRef], {
  error: 'a string, { "env": "NAME" } or { "file": "path" }',
});

/** Every key an entry may hold. Which of them apply depends on its kind (stdio, remote, module). */
export const ServerEntrySchema = z
  .strictObject({
    // -- stdio (the client's keys)
    command: z
      .string()
      .min(1, { error: 'a non-empty command' })
      .optional()
      .describe('stdio: the program to run.'),
    args: z.array(z.string()).optional().describe('stdio: its arguments.'),
    env: z
      .record(z.string(), credential, { error: 'an object of strings or { "env": … } / { "file": … }' })
      .optional()
      .describe(
        'stdio: environment variables of the process, on top of the minimal set it gets (HOME, LOGNAME, PATH, SHELL, TERM, USER, as MCP clients pass). A value may be read from a file ({ "file": "./secrets/key" }, read at load and reload) or from the gateway\'s environment ({ "env": "NAME" }).',
      ),
    inheritEnv: z
      .union(
        [
          z.boolean(),
          z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name' })),
        ],
        { error: 'true, false, or an array of environment variable names' },
      )
      .optional()
      .describe(
        'stdio: more of the gateway’s environment for the process: true for all of it (less the values of auth tokens), or the names of variables to pass besides the minimal set. Default false.',
      ),
    cwd: z.string().min(1).optional().describe('stdio: its working directory (relative to the config file).'),
    install: z
      .enum(['launcher', 'prefetch'], { error: '"launcher" or "prefetch"' })
      .optional()
      .describe(
        'stdio, for an entry run by npx or bunx: "prefetch" installs its package once into the prefetch cache (at start or reload when it is not there yet) and runs the installed bin directly; "launcher" always starts the launcher. Default: the installed bin when `switchyard prefetch` installed it, else the launcher.',
      ),
    // -- remote (the client's keys)
    url: z
      .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
      .optional()
      .describe('remote: the server’s URL.'),
    headers: z
      .record(z.string(), credential, { error: 'an object of strings or { "env": … } / { "file": … }' })
      .optional()
      .describe(
        'remote: HTTP headers sent with every request (e.g. Authorization). A value may be read from the gateway\'s environment ({ "env": "NAME", "prefix": "Bearer " }) or a file ({ "file": "./secrets/token", "prefix": "Bearer " }, read at load and reload). Header values are never logged nor shown.',
      ),
    tokenExchange: z
      .strictObject({
        resource: z
          .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
          .optional()
          .describe("The resource indicator (RFC 8707) asked for. Default: the entry's url."),
        audience: z
          .string()
          .min(1, { error: 'a non-empty audience' })
          .optional()
          .describe(
            'An audience (RFC 8693 audience parameter) asked for, beside or instead of the resource.',
          ),
        scope: z
          .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, { error: 'a scope token' }))
          .optional()
          .describe('Scopes asked for the exchanged token. Default: none asked (the server decides).'),
      })
      .optional()
      .describe(
        'remote: call this backend with a token of its own, got by OAuth 2.0 Token Exchange (RFC 8693) of the caller\'s access token at switchyard.auth.oauth.tokenExchange.tokenEndpoint; the caller\'s own token is never forwarded. Needs isolation "per-principal" and the Streamable HTTP transport.',
      ),
    // -- in-process module (Switchyard's)
    module: z
      .string()
      .min(1, { error: 'a non-empty path' })
      .optional()
      .describe('module: a file exporting `tools`, run on worker threads (relative to the config file).'),
    type: z
      .enum(['stdio', 'http', 'streamable-http', 'sse', 'module'])
      .optional()
      .describe(
        'The transport; inferred from command / url / module when left out. http is streamable-http.',
      ),
    // -- Switchyard's keys
    tier,
    replicas,
    isolation: z
      .enum(['shared', 'per-principal', 'per-session'])
      .default('shared')
      .describe(
        'shared: a worker serves many sessions (stateless servers); per-principal: one worker per principal, shared by that principal’s sessions (servers that keep state or ask clients for things); per-session: each front session gets its own worker.',
      ),
    prefix: z
      .union([z.string().regex(BACKEND_NAME), z.literal(false)], { error: `${BACKEND_NAME_WORDS}, or false` })
      .optional()
      .describe('Prefix of its tool, prompt and template names; default the backend’s name; false for none.'),
    tools: z
      .strictObject({ allow: patterns.optional(), deny: patterns.optional() })
      .optional()
      .describe('Which tools to show: { allow, deny } (deny wins). Default: all.'),
    timeouts: z
      .strictObject({
        startMs: int(1).default(30_000).describe('Start and initialize a worker within this.'),
        callMs: int(1).default(60_000).describe('A request to this backend fails after this.'),
        idleMs: int(0).default(300_000).describe('A warm backend with no work for this long is stopped.'),
        tools: z
          .record(z.string().min(1), int(1), { error: 'an object of milliseconds by tool name' })
          .default({})
          .describe('Per tool (by the backend’s own name): a call fails after this instead of callMs.'),
      })
      .prefault({})
      .describe('Time limits, in milliseconds.'),
    limits: z
      .strictObject({
        concurrency: int(1).default(16).describe('Requests in flight per worker.'),
        queue: int(0).default(256).describe('Requests waiting for this backend; more are refused at once.'),
      })
      .prefault({})
      .describe('Per-backend admission.'),
    resilience: z
      .strictObject({
        outlier: z
          .union(
            [
              z.literal(false),
              z.strictObject({
                consecutiveFailures: int(1).default(5).describe('Failed calls in a row that eject a worker.'),
                ejectionMs: int(1)
                  .default(30_000)
                  .describe(
                    'How long an ejected worker is left out the first time (longer each time again).',
                  ),
                maxEjectionPercent: int(0, 100)
                  .default(50)
                  .describe('Most workers ejected at once, in % (at least one; never the last one serving).'),
              }),
            ],
            { error: 'false, or { consecutiveFailures, ejectionMs, maxEjectionPercent }' },
          )
          .prefault({})
          .describe(
            'Shared backends with several workers: a worker whose calls keep failing (error answers, timeouts, crashes) is left out of the choice while another serves. false: off.',
          ),
        breaker: z
          .union(
            [
              z.literal(false),
              z.strictObject({
                failureRate: z
                  .number({ error: 'a number above 0, at most 1' })
                  .gt(0, { error: 'a number above 0, at most 1' })
                  .max(1, { error: 'a number above 0, at most 1' })
                  .default(0.5)
                  .describe('The share of failed calls in the window that opens the breaker.'),
                minimumCalls: int(1).default(20).describe('Calls in the window before the share counts.'),
                windowMs: int(1).default(10_000).describe('The sliding window, in milliseconds.'),
                cooldownMs: int(1)
                  .default(10_000)
                  .describe('How long it stays open before a probe call (longer after each failed probe).'),
              }),
            ],
            { error: 'false, or { failureRate, minimumCalls, windowMs, cooldownMs }' },
          )
          .prefault({})
          .describe(
            'The backend’s circuit breaker: when its calls fail at a high rate, they are refused at once ("circuit open, retry after N s") until a probe call succeeds. false: off.',
          ),
      })
      .prefault({})
      .describe('Containment of a failing backend or worker.'),
    era: z
      .union(
        [
          z.enum(['auto', '2025', '2026']),
          z.literal([2025, 2026]).transform((n) => String(n) as '2025' | '2026'),
        ],
        {
          error: 'one of auto, 2025, 2026',
        },
      )
      .default('auto')
      .describe(
        'The MCP protocol era a stdio or Streamable HTTP backend speaks: 2025 (initialize), 2026 (server/discover, 2026-07-28, stateless, with the standard headers), or auto: try server/discover, fall back to initialize. Module backends and legacy SSE remotes speak 2025.',
      ),
    warmup: z
      .strictObject({
        tool: z
          .string({ error: 'a tool name' })
          .min(1, { error: 'a tool name' })
          .describe('The backend’s own name of the tool.'),
        arguments: z
          .record(z.string(), z.unknown(), { error: 'an object of arguments' })
          .default({})
          .describe('Its arguments.'),
      })
      .optional()
      .describe(
        'stdio and module: a tool called once on each new worker before it is handed out (its answer ignored), so that a session’s first call does not pay the server’s own warm-up. Choose one without side effects that succeeds: a failed call (an error, or a result with isError) fails the start.',
      ),
    // -- keys other MCP clients write, accepted and ignored
    disabled: z.boolean().optional().describe('true: the entry is skipped (not even validated).'),
    autoApprove: z.unknown().optional().describe('Ignored (a client’s key).'),
    alwaysAllow: z.unknown().optional().describe('Ignored (a client’s key).'),
    timeout: z.unknown().optional().describe('Ignored (a client’s key); see timeouts.'),
    transportType: z
      .unknown()
      .optional()
      .describe('Ignored, except "sse" stands for type "sse" when type is absent.'),
    description: z.unknown().optional().describe('Ignored (a client’s key).'),
    name: z.unknown().optional().describe('Ignored (a client’s key).'),
    trust: z.unknown().optional().describe('Ignored (a client’s key).'),
    disabledTools: z.unknown().optional().describe('Ignored (a client’s key); see tools.deny.'),
    watchPaths: z.unknown().optional().describe('Ignored (a client’s key).'),
  })
  .describe('One backend. Exactly one of command, url and module says its kind.');

function isOrigin(text: string): boolean {
  if (text === '*') return true;
  try {
    return new URL(text).origin === text;
  } catch {
    return false;
  }
}

/** A host name or IP address (IPv6 in brackets), optionally `:port`. */
const HOST_NAME = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:[0-9]{1,5})?$/;

const secret = z.string().min(16, { error: 'a token of at least 16 characters' });

const REDIS_URL_WORDS =
  'a redis:// or rediss:// URL such as redis://127.0.0.1:6379 (redis://:${REDIS_PASSWORD}@host:6379 for a password)';

/** `redis://` / `rediss://` (or Valkey's `valkey://` / `valkeys://`) with a host, as the journal's Redis driver takes. */
function isRedisUrl(text: string): boolean {
  const url = URL.parse(text);
  return url !== null && /^(redis|rediss|valkey|valkeys):$/.test(url.protocol) && url.hostname !== '';
}

/** An https URL, or http to a loopback host (an authorization server in a test, or on this machine). */
function isIssuerUrl(text: string): boolean {
  const url = URL.parse(text);
  if (url === null || url.hash !== '' || url.search !== '') return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(url.hostname);
}
const issuerUrl = z.string().refine(isIssuerUrl, {
  error: 'an https URL with no query or fragment (http only to localhost / 127.x / [::1])',
});
/** A scope token (RFC 6749 §3.3): printable ASCII less space, " and \. */
const scopeToken = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, {
  error: 'a scope: printable ASCII with no space, " or \\',
});

const oauth = z
  .strictObject({
    issuer: issuerUrl.describe(
      'The authorization server: the iss its access tokens carry, and (without jwksUri) where its metadata is found (RFC 8414, then OpenID discovery).',
    ),
    jwksUri: issuerUrl
      .optional()
      .describe("The issuer's JSON Web Key Set. Default: jwks_uri from the issuer's metadata."),
    resource: z
      .string()
      .refine((t) => /^https?:$/.test(URL.parse(t)?.protocol ?? '') && URL.parse(t)?.hash === '', {
        error: 'an http(s) URL with no fragment, such as https://mcp.example.com/mcp',
      })
      .optional()
      .describe(
        'This gateway as an OAuth resource (RFC 8707 / RFC 9728): the URL clients reach /mcp by, named in the Protected Resource Metadata; access tokens must carry it in aud. Default: the listen address + /mcp (required when listening on other than loopback).',
      ),
    audience: z
      .array(z.string().min(1, { error: 'a non-empty audience' }))
      .optional()
      .describe(
        'More aud values accepted beside resource, for issuers that stamp a fixed API identifier. Prefer the resource itself.',
      ),
    authorizationServers: z
      .array(issuerUrl)
      .min(1, { error: 'at least one authorization server' })
      .optional()
      .describe('authorization_servers of the Protected Resource Metadata. Default: [issuer].'),
    requiredScopes: z
      .array(scopeToken)
      .default([])
      .describe(
        'Scopes every access token must carry (else 403 insufficient_scope); named in the 401 challenge. Static tokens need none.',
      ),
    scopesSupported: z
      .array(scopeToken)
      .optional()
      .describe('scopes_supported of the Protected Resource Metadata. Default: requiredScopes.'),
    clockSkewSec: int(0, 300).default(30).describe('Seconds of clock difference allowed on exp and nbf.'),
    jwksCooldownSec: int(0, 3_600)
      .default(30)
      .describe(
        "After fetching the issuer's keys, seconds during which a token naming an unknown kid does not cause another fetch (a key rotation is picked up after it).",
      ),
    introspection: z
      .strictObject({
        endpoint: issuerUrl.describe("The authorization server's introspection endpoint (RFC 7662)."),
        clientId: z
          .string()
          .min(1, { error: 'a non-empty client id' })
          .describe('The gateway as a client of it.'),
        clientSecret: credential.describe(
          'Its client secret (client_secret_basic): { "env": "NAME" }, { "file": "path" } or "${NAME}".',
        ),
        cacheMaxSec: int(0, 3_600)
          .default(60)
          .describe(
            "An answer is kept until the token's exp, but no longer than this (a token revoked meanwhile is refused after it). 0: ask every time.",
          ),
        cacheSize: int(1, 1_000_000).default(10_000).describe('Answers kept at most (the oldest go first).'),
        timeoutMs: int(1, 60_000).default(5_000).describe('Bound on one introspection request.'),
      })
      .optional()
      .describe(
        'Opaque (non-JWT) access tokens are checked by introspection (RFC 7662): active, the issuer, aud naming this resource, the scopes required. Without it, only JWT access tokens are accepted.',
      ),
    tokenExchange: z
      .strictObject({
        tokenEndpoint: issuerUrl.describe("The authorization server's token endpoint."),
        clientId: z
          .string()
          .min(1, { error: 'a non-empty client id' })
          .describe('The gateway as a confidential client.'),
        clientSecret: credential.describe(
          'Its client secret (client_secret_basic): { "env": "NAME" }, { "file": "path" } or "${NAME}".',
        ),
        refreshBeforeSec: int(0, 3_600)
          .default(30)
          .describe('An exchanged token is used until this long before its expiry, then exchanged anew.'),
        cacheSize: int(1, 1_000_000)
          .default(10_000)
          .describe('Exchanged tokens kept at most, one per (principal, backend) (the oldest go first).'),
        timeoutMs: int(1, 60_000).default(5_000).describe('Bound on one exchange request.'),
      })
      .optional()
      .describe(
        "OAuth 2.0 Token Exchange (RFC 8693) for remote entries with tokenExchange: the caller's access token is exchanged here for one whose audience is the backend.",
      ),
  })
  .describe(
    "OAuth 2.1 resource server: JWT access tokens from this issuer, for this resource, are accepted beside auth.tokens (principal: the token's sub).",
  );

/** A name or glob (`*`, `?`) a policy rule matches. */
const policyPatterns = (what: string, note = '') =>
  z
    .array(z.string().min(1, { error: 'a non-empty name or glob' }))
    .min(1, { error: `at least one pattern (leave the key out to match every ${what})` })
    .optional()
    .describe(
      `The rule applies only to these ${what}s${note} (exact names or globs: * any run, ? one character); left out: to every ${what}.`,
    );

const policyRule = z
  .strictObject({
    id: z
      .string()
      .min(1, { error: 'a non-empty rule id' })
      .describe('Names the rule in refusals (JSON-RPC error -32052) and in the audit trail. Unique.'),
    effect: z.enum(['allow', 'deny']).describe('allow or deny; a matching deny rule wins over every allow.'),
    principals: policyPatterns('principal'),
    groups: policyPatterns('group'),
    scopes: policyPatterns('scope'),
    clients: policyPatterns('OAuth client id'),
    backends: policyPatterns('backend'),
    tools: policyPatterns('tool', ', by the backend’s own name (without prefix)'),
    prompts: policyPatterns('prompt', ', by the backend’s own name (without prefix)'),
    resources: policyPatterns('resource', ' (their URIs) and resource templates (their URI templates)'),
  })
  .describe(
    'One rule: it applies when every caller field given (principals, groups, scopes, clients) and every item field given (backends, then tools / prompts / resources by kind) matches. A rule naming none of tools, prompts, resources covers every item of its backends.',
  );

const policy = z
  .strictObject({
    default: z
      .enum(['allow', 'deny'])
      .default('allow')
      .describe('When no rule matches a caller and an item. Default allow (as without a policy).'),
    groupsClaim: z
      .string()
      .min(1)
      .default('groups')
      .describe(
        "The OAuth access token claim holding the caller's groups (an array of strings, or one space-separated string). Default groups.",
      ),
    rules: z
      .array(policyRule)
      .default([])
      .describe('The rules, in order; deny wins, then the first matching allow.'),
  })
  .superRefine((p, ctx) => {
    const seen = new Map<string, number>();
    p.rules.forEach((r, i) => {
      const first = seen.get(r.id);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'id'],
          message: `an id no other rule has (rules.${first}.id is it too)`,
        });
      else seen.set(r.id, i);
    });
  })
  .describe(
    'Who may list and use which tool, prompt, resource and template: a tool the caller may not use is not listed, and calling it is refused (JSON-RPC error -32052 naming the rule) and audited.',
  );

const SwitchyardSchema = z
  .strictObject({
    listen: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1').describe('Interface of the HTTP front door.'),
        port: int(0, 65_535).default(7331).describe('Port of the HTTP front door (0: any free port).'),
        publicNames: z
          .array(
            z.string().regex(HOST_NAME, {
              error: 'a host name such as mcp.example.com, optionally with :port (no scheme, no path)',
            }),
          )
          .default([])
          .describe(
            'Host names (optionally name:port) clients reach the gateway by, e.g. through a reverse proxy; a request whose Host header names none of these, the listen address, loopback or an origins.allow host is refused (421).',
          ),
      })
      .prefault({})
      .describe('Where the Streamable HTTP front door listens.'),
    auth: z
      .strictObject({
        tokens: z
          .array(
            z
              .strictObject({
                token: secret.optional().describe('The bearer token itself (prefer tokenEnv or ${VAR}).'),
                tokenEnv: z
                  .string()
                  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name' })
                  .optional()
                  .describe('The environment variable holding the token.'),
                principal: z
                  .string()
                  .min(1, { error: 'a non-empty principal' })
                  .describe('Who the token stands for.'),
                groups: z
                  .array(z.string().min(1, { error: 'a non-empty group name' }))
                  .optional()
                  .describe(
                    "The principal's groups, as switchyard.policy rules match them (an OAuth token's come from its groups claim).",
                  ),
              })
              .refine((t) => (t.token === undefined) !== (t.tokenEnv === undefined), {
                error: 'exactly one of token and tokenEnv',
              }),
          )
          .default([])
          .describe('Bearer tokens accepted at the HTTP front door, each mapped to a principal.'),
        allowUnauthenticatedLoopback: z
          .boolean()
          .optional()
          .describe(
            'Let requests from 127.0.0.1 / ::1 in without a token (as principal "local"). Default: true when no tokens and no oauth are configured, false otherwise (a reverse proxy on the same host would otherwise let everyone in).',
          ),
        oauth: oauth.optional(),
      })
      .prefault({})
      .describe('Who may use the HTTP front door.'),
    admin: z
      .strictObject({
        principals: z
          .array(z.string().min(1, { error: 'a non-empty principal' }))
          .default([])
          .describe(
            'Principals (of auth.tokens, or the `sub` of an OAuth access token) allowed on /dashboard, /dashboard/events and /metrics. With no tokens and no OAuth configured, loopback callers are allowed too.',
          ),
      })
      .prefault({})
      .describe('Who may see the admin surface (dashboard and metrics).'),
    policy: policy.prefault({}),
    journal: z
      .strictObject({
        path: z
          .string()
          .min(1)
          .default('./switchyard.db')
          .describe(
            "SQLite file (relative to the config file), or ':memory:' for none (nothing kept across a restart).",
          ),
        auditPayloads: z
          .boolean()
          .default(false)
          .describe(
            "Keep each audited call's request and response in the journal as JSON text, each cut at 16 384 characters (with a marker). Off by default: it costs about a tenth more CPU per call.",
          ),
        cacheKiB: int(0)
          .default(16 * 1024)
          .describe(
            "SQLite's page cache per connection, in KiB (default 16 MiB; the gateway holds two: the writer thread's and the reader's). It fills as the journal is used and stays at this size: a bound on the journal's share of the process's memory.",
          ),
        mmapBytes: int(0)
          .default(256 * 1024 * 1024)
          .describe(
            'How much of the SQLite file reads map into memory instead of copying (default 256 MiB; 0: none). Mapped pages count in the RSS as file pages the kernel can reclaim.',
          ),
        retention: z
          .strictObject({
            maxAgeMs: int(1)
              .nullable()
              .default(7 * 24 * 60 * 60_000)
              .describe('Drop events and audit entries older than this (default 7 days); null: keep them.'),
            maxBytes: int(1)
              .nullable()
              .default(1024 * 1024 * 1024)
              .describe('Keep the store at most this large (default 1 GiB); null: no size limit.'),
            maxEventsPerStream: int(1).optional().describe('Keep only the newest events of each stream.'),
            intervalMs: int(1)
              .nullable()
              .optional()
              .describe(
                'Apply retention at start and then on this period (default 60000 while a limit is set); null: never on its own.',
              ),
          })
          .prefault({})
          .describe('Retention, applied at start and every minute: by default 7 days and 1 GiB.'),
        redis: z
          .strictObject({
            url: z
              .string({ error: REDIS_URL_WORDS })
              .refine(isRedisUrl, { error: REDIS_URL_WORDS })
              .describe(
                'The Redis (≥ 7) or Valkey server every node of the cluster shares: redis://[user:password@]host:port[/db], or rediss:// for TLS. Write the password as ${REDIS_PASSWORD} (or the whole URL as ${REDIS_URL}) to keep it out of the file; it is never logged. A server that cannot be reached at start stops the gateway from starting.',
              ),
            keyPrefix: z
              .string()
              .min(1, { error: 'a non-empty key prefix' })
              .max(256, { error: 'a key prefix of at most 256 characters' })
              .optional()
              .describe(
                'Put before every journal key (default switchyard:journal:). Nodes of one cluster use the same prefix; another prefix is another cluster. On a Redis Cluster, put a hash tag in it ({switchyard}:journal:).',
              ),
          })
          .optional()
          .describe(
            "Several nodes (issue #20): keep sessions and stream events in Redis, shared by every gateway started with the same url and keyPrefix, so any node continues any 2025 session and replays its streams (Last-Event-ID). The audit trail stays in each node's own SQLite file (path), and retention applies to both. Left out: everything in the SQLite file.",
          ),
      })
      .prefault({})
      .describe('The journal of sessions, stream events and tool calls.'),
    cluster: z
      .strictObject({
        nodeId: z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'letters, digits, ".", "_" or "-", at most 64' })
          .optional()
          .describe(
            'This node among the nodes of the cluster (unique). Default: host name, process id and a random part.',
          ),
        advertiseUrl: z
          .string()
          .refine((u) => /^https?:$/.test(URL.parse(u)?.protocol ?? ''), {
            error: 'an http:// or https:// URL of this node’s /mcp, as the other nodes reach it',
          })
          .optional()
          .describe(
            'Where the other nodes send the requests of sessions this node owns (its /mcp URL on the nodes’ network). Default: the address it listens on — required when that is all interfaces (0.0.0.0 / ::).',
          ),
        secret: z
          .string({ error: 'a shared secret of at least 32 characters' })
          .min(32, { error: 'a shared secret of at least 32 characters' })
          .describe(
            'Signs the caller a node passes along with a forwarded request (HMAC-SHA256); the same on every node. Write it as ${SWITCHYARD_CLUSTER_SECRET} to keep it out of the file; never logged.',
          ),
        leaseMs: int(1_000)
          .default(15_000)
          .describe(
            'How long a node’s ownership of a session lasts without renewal (renewed every third of it): how soon a dead node’s sessions are taken over by requests that cannot reach it.',
          ),
      })
      .optional()
      .describe(
        'Session ownership among several nodes (needs journal.redis): each 2025 session is owned by one node, and a request for it on another node is forwarded to the owner (streamed back), so its per-session backends and requests in flight stay where they are; a dead owner’s sessions are taken over (their per-session backend state reported lost). Left out: any node continues any session by restoring it from Redis.',
      ),
    budget: z
      .strictObject({
        processes: int(1).default(64).describe('Most worker processes at once.'),
        memoryMb: int(1)
          .default(4_096)
          .describe(
            "Most memory the workers may hold together, in MiB: a process worker counts its measured RSS (sampled every 5 s), a module worker its backend's memoryMb estimate.",
          ),
      })
      .prefault({})
      .describe('The global cap auto tiering works within.'),
    admission: z
      .strictObject({
        rateLimit: z
          .union(
            [
              z.literal(false),
              z.strictObject({
                perSecond: int(1).describe('Sustained requests per second.'),
                burst: int(1).optional().describe('Bucket size; default perSecond.'),
                scope: z
                  .enum(['node', 'cluster'], { error: '"node" or "cluster"' })
                  .default('node')
                  .describe(
                    "node: each gateway counts on its own; cluster: one bucket per principal shared by every node, in the journal's Redis (needs journal.redis; while Redis cannot be reached, requests are let through).",
                  ),
              }),
            ],
            { error: 'false or { "perSecond": …, "burst": … }' },
          )
          .default(false)
          .describe('Requests per second per principal; false for none.'),
        concurrency: int(1).default(256).describe('Requests in flight across the gateway.'),
        queue: int(0).default(1_024).describe('Requests waiting across the gateway; more get 503.'),
        queueTimeoutMs: int(1)
          .default(10_000)
          .describe(
            'A queued request waits at most this, then gets 503 (429 while waiting for its own share).',
          ),
        concurrencyPerPrincipal: int(1)
          .default(64)
          .describe(
            'Requests of one principal in flight (its fair share, taken before a gateway-wide slot); as many more may wait, then 429.',
          ),
        principals: z
          .record(
            z.string().min(1),
            z.strictObject({
              concurrency: int(1).describe('This principal’s requests in flight.'),
            }),
            { error: 'an object of { "concurrency": … } by principal' },
          )
          .default({})
          .describe('Per-principal shares that differ from concurrencyPerPrincipal (weights), by principal.'),
      })
      .prefault({})
      .describe('Admission: a fair share per principal, then the gateway-wide limit.'),
    affinity: z
      .strictObject({
        key: z
          .union(
            [
              z.enum(['principal', 'none']),
              z.strictObject({
                header: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'a header name' }),
              }),
            ],
            { error: '"principal", "none" or { "header": "<name>" }' },
          )
          .default('principal')
          .describe(
            'What keeps sessionless requests on one worker: the principal, a header’s value, or nothing.',
          ),
      })
      .prefault({})
      .describe('Affinity of sessionless (2026-era) requests.'),
    origins: z
      .strictObject({
        allow: z
          .array(
            z.string().refine(isOrigin, {
              error: 'an origin such as https://app.example.com (scheme, host and port; no path), or *',
            }),
          )
          .default([])
          .describe('Origins allowed (exact, e.g. https://app.example.com, or *).'),
      })
      .prefault({})
      .describe('Requests with an Origin header not listed here (other than loopback) are refused.'),
    limits: z
      .strictObject({
        maxBodyBytes: int(1).default(4_194_304).describe('Largest HTTP request body.'),
        bodyTimeoutMs: int(1)
          .default(10_000)
          .describe('Longest a request body may take to arrive, ms; a slower one gets 408.'),
        maxBatchSize: int(1)
          .default(64)
          .describe('Most messages in one JSON-RPC batch (2025-03-26); a larger batch gets 413.'),
        streamsPerPrincipal: int(1)
          .default(32)
          .describe(
            'Long-lived streams (GET /mcp, 2026 subscriptions/listen, /dashboard/events) one principal may hold open; more get 429.',
          ),
        resumeGraceMs: int(0)
          .default(30_000)
          .describe(
            'A 2025 SSE answer whose client went away and has not resumed it (GET + Last-Event-ID) for this long is closed and its request cancelled, ms.',
          ),
        bufferedBytesPerStream: int(1024)
          .default(8 * 1024 * 1024)
          .describe(
            'Bytes an SSE stream (2025 or 2026 answers, GET streams, listens, /dashboard/events) may hold for a client that does not read; past it the stream is dropped.',
          ),
        sessions: int(1)
          .default(10_000)
          .describe('Live sessions in all (2025 sessions and 2026 clients); more get 503.'),
        sessionsPerPrincipal: int(1)
          .default(1_000)
          .describe(
            'Live sessions of one authenticated principal; more get 429. Without auth.tokens or auth.oauth every client is one principal (local) and only limits.sessions applies.',
          ),
        listensPerSession: int(1)
          .default(16)
          .describe('Open 2026 subscriptions/listen streams of one client; more get 429.'),
        pendingClientRequestsPerSession: int(1)
          .default(16)
          .describe(
            'A backend’s requests (sampling, elicitation, roots) waiting for one client’s answer; more are refused to the backend.',
          ),
        tasksPerPrincipal: int(1)
          .default(100)
          .describe(
            'Tasks (2025-11-25 task-augmented tools/call) one principal holds, working or kept for their result until their TTL passes; more are refused with -32050.',
          ),
        taskTtlMs: int(1_000)
          .default(3_600_000)
          .describe(
            'The longest a task (and its result) is kept from its creation, ms; a client asking for more, or for no TTL, gets this.',
          ),
        taskResultBytes: int(1024)
          .default(1024 * 1024)
          .describe(
            'The largest result (JSON bytes) a task holds; a larger one fails the task with -32050 (limit taskResultBytes).',
          ),
      })
      .prefault({})
      .describe('Front door limits.'),
    namespacing: z
      .strictObject({
        separator: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,8}$/, { error: '1 to 8 of letters, digits, _, - or .' })
          .default('__')
          .describe('Between a backend’s prefix and its names.'),
      })
      .prefault({})
      .describe('How front names are made.'),
    sessions: z
      .strictObject({
        idleTimeoutMs: int(1_000)
          .default(600_000)
          .describe(
            'A 2025 session (or 2026 client) not heard from for this long, with nothing in flight, is ended as by DELETE, and any worker bound to it is freed, ms.',
          ),
        stateLost: z
          .enum(['error', 'end-session'])
          .default('error')
          .describe(
            "A 2025 session continued after a restart (its record is in the journal) whose per-session or per-principal backend's worker ended with the previous process: `error` answers its first call to that backend with a JSON-RPC error (-32051) saying the state was lost, the next call gets a fresh worker; `end-session` ends the session instead (404: the client starts a new one).",
          ),
      })
      .prefault({})
      .describe('Front sessions.'),
    shutdown: z
      .strictObject({
        graceMs: int(0)
          .default(10_000)
          .describe(
            'On SIGTERM / SIGINT, how long calls in flight may take to finish; those still running then get a JSON-RPC error (-32000 "gateway shutting down").',
          ),
      })
      .prefault({})
      .describe('Graceful shutdown.'),
    log: z
      .strictObject({
        access: z
          .boolean()
          .default(true)
          .describe(
            'One line per HTTP request at info (method, path, status, ms, principal, session prefix, MCP method); false: none.',
          ),
      })
      .prefault({})
      .describe('The operator’s log (JSON lines on stderr; its level is --log-level).'),
    telemetry: z
      .strictObject({
        enabled: z
          .boolean()
          .optional()
          .describe(
            'OpenTelemetry traces and metrics over OTLP/HTTP. Default: off, unless OTEL_EXPORTER_OTLP_ENDPOINT (or …_TRACES_ENDPOINT) is set; OTEL_SDK_DISABLED=true turns it off whatever this says.',
          ),
        endpoint: z
          .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
          .optional()
          .describe(
            'The OTLP/HTTP collector, e.g. http://127.0.0.1:4318: traces go to <endpoint>/v1/traces, metrics to <endpoint>/v1/metrics. Default: OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318.',
          ),
        headers: z
          .record(z.string(), z.string(), { error: 'an object of strings' })
          .optional()
          .describe(
            'HTTP headers sent to the collector (e.g. { "authorization": "Bearer ${OTLP_TOKEN}" }: take values from the environment). Default: OTEL_EXPORTER_OTLP_HEADERS. Never logged.',
          ),
        sampling: z
          .number({ error: 'a ratio from 0 to 1' })
          .min(0, { error: 'a ratio from 0 to 1' })
          .max(1, { error: 'a ratio from 0 to 1' })
          .optional()
          .describe(
            "The share of traces started here that are recorded (a caller's sampled traceparent is followed). Default: OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, else 1.",
          ),
        serviceName: z
          .string()
          .min(1, { error: 'a non-empty name' })
          .optional()
          .describe('service.name of the resource. Default: OTEL_SERVICE_NAME, else "switchyard".'),
        resourceAttributes: z
          .record(z.string(), z.string(), { error: 'an object of strings' })
          .optional()
          .describe(
            'More attributes of the resource (e.g. deployment.environment.name), on top of OTEL_RESOURCE_ATTRIBUTES.',
          ),
        metricsIntervalMs: int(1_000, 3_600_000)
          .default(60_000)
          .describe('How often metrics are pushed to the collector, ms.'),
        protocol: z
          .enum(['http/protobuf', 'http/json'], { error: 'one of http/protobuf, http/json' })
          .optional()
          .describe(
            'How spans are sent to <endpoint>/v1/traces: OTLP/HTTP protobuf (application/x-protobuf) or JSON. Metrics are sent as JSON either way. Default: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf (the OpenTelemetry default).',
          ),
      })
      .prefault({})
      .describe(
        'OpenTelemetry: a span per MCP request (continuing a traceparent from params._meta or the HTTP header) and per call to a backend (whose traceparent goes to the backend in _meta), and the MCP metric mcp.server.operation.duration (also on /metrics).',
      ),
  })
  .prefault({})
  .describe('Switchyard’s own settings; every key is optional.');

/** The whole file. Other top-level keys (a client's whole settings file) are left alone. */
export const ConfigFileSchema = z
  .looseObject({
    $schema: z.string().optional().describe('The JSON Schema, for editors.'),
    mcpServers: z
      .record(z.string().regex(BACKEND_NAME), ServerEntrySchema, {
        error: (issue) =>
          issue.code === 'invalid_key' ? BACKEND_NAME_WORDS : 'an object of MCP servers by name',
      })
      .describe('The backends, by name: the format MCP clients use, plus Switchyard’s keys.'),
    switchyard: SwitchyardSchema,
  })
  .describe('A Switchyard configuration file.');

export type ServerEntry = z.output<typeof ServerEntrySchema>;
export type SwitchyardSettings = z.output<typeof SwitchyardSchema>;
export type ConfigFile = z.output<typeof ConfigFileSchema>;
export type ConfigFileInput = z.input<typeof ConfigFileSchema>;
