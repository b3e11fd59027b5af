/**
 * The deployment files under deploy/ (Dockerfile, compose file, HAProxy config, Helm chart) cannot be
 * built or run on this machine (no Docker daemon, no Kubernetes), so this test keeps them in step
 * with what they describe: the CLI's commands and environment variables, the config schema (their
 * gateway config is loaded by the real loader), the port, the paths inside the image, and HAProxy's
 * own check of its file. haproxy.test.ts runs the same HAProxy file in front of real nodes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRedis } from '../../../tooling/testing/redis-server.ts';
import { runToEnd } from '../../../tooling/testing/run.ts';
import { COMMANDS } from '../src/cli/help.ts';
import { listenProblem } from '../src/cli/listen-rules.ts';
import type { JsonValue } from '../src/config/jsonc.ts';
import { parseConfigText, parseConfigValue } from '../src/config/load.ts';
import { post, runServe, tempDir } from './support/gateway.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const DEPLOY = join(ROOT, 'deploy');
const read = (path: string) => readFileSync(join(DEPLOY, path), 'utf8');
const ENV = {
  REDIS_PASSWORD: 'not-a-real-password',
  SWITCHYARD_TOKEN: 'deploy-test-token-0123456789',
  SWITCHYARD_CLUSTER_SECRET: 'deploy-test-cluster-secret-0123456789abcdef',
  SWITCHYARD_ADVERTISE_URL: 'http://127.0.0.1:1/mcp',
  POD_IP: '10.0.0.7',
};

/** The environment variables the gateway's CLI reads, from its source. */
function cliEnvironment(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/\bSWITCHYARD_[A-Z_]+\b/g)) names.add(m[0]);
      }
    }
  };
  walk(join(ROOT, 'apps/mcp-server/src'));
  return names;
}

/** `${NAME}` references and `tokenEnv` names in a config: the variables a node needs besides the CLI's own. */
const configVariables = (text: string) =>
  new Set([
    ...[...text.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]!),
    ...[...text.matchAll(/"?tokenEnv"?:\s*"?([A-Z0-9_]+)/g)].map((m) => m[1]!),
  ]);

interface Dockerfile {
  stages: { from: string; lines: string[] }[];
}
function parseDockerfile(text: string): Dockerfile {
  const joined = text.replace(/\\\n/g, ' ');
  const stages: Dockerfile['stages'] = [];
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^FROM\s/i.test(line)) stages.push({ from: line, lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return { stages };
}
const instruction = (lines: string[], name: string) =>
  lines.filter((l) => l.toUpperCase().startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim());

const nodeConfigText = read('switchyard.jsonc');
const nodeConfig = parseConfigText(nodeConfigText, {
  source: 'deploy/switchyard.jsonc',
  baseDir: DEPLOY,
  env: ENV,
});
const PORT = nodeConfig.settings.listen.port;
/** A path inside the image, as a path in this repository (the image's WORKDIR /app is the repo root). */
const inRepo = (imagePath: string) => join(ROOT, imagePath.replace(/^\/app\//, ''));

describe('deploy/', () => {
  it("the node config loads with the real loader and passes serve's rules for all interfaces", () => {
    expect(nodeConfig.settings.listen.host).toBe('0.0.0.0');
    expect(listenProblem(nodeConfig, nodeConfig.settings.listen.host)).toBeUndefined();
    expect(nodeConfig.settings.cluster?.advertiseUrl).toBe(ENV.SWITCHYARD_ADVERTISE_URL);
    expect(nodeConfig.settings.journal.redis?.url).toContain('@redis:6379');
    // Every backend module it names is a file of the image (the repo, copied to /app).
    for (const text of nodeConfigText.matchAll(/"module":\s*"([^"]+)"/g)) {
      expect(existsSync(inRepo(text[1]!)), text[1]).toBe(true);
    }
  });

  it('the Dockerfile: multi-stage, non-root, the CLI serving $SWITCHYARD_CONFIG on the config port', () => {
    const { stages } = parseDockerfile(read('Dockerfile'));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runtime = stages.at(-1)!.lines;
    const user = instruction(runtime, 'USER');
    expect(user.length).toBe(1);
    expect(user[0]).not.toMatch(/^(root|0)$/);
    expect(instruction(runtime, 'EXPOSE')).toEqual([String(PORT)]);
    const entrypoint = JSON.parse(instruction(runtime, 'ENTRYPOINT')[0]!) as string[];
    expect(entrypoint[0]).toBe('bun');
    expect(existsSync(join(ROOT, entrypoint[1]!)), entrypoint[1]).toBe(true);
    const cmd = JSON.parse(instruction(runtime, 'CMD')[0]!) as string[];
    expect(COMMANDS).toContain(cmd[0]);
    const env = Object.fromEntries(instruction(runtime, 'ENV').map((e) => e.split('=') as [string, string]));
    const known = cliEnvironment();
    for (const name of Object.keys(env)) expect(known, name).toContain(name);
    expect(env.SWITCHYARD_CONFIG).toBe('/etc/switchyard/switchyard.json');
    // The paths copied from the build stage are the workspace's.
    for (const copy of instruction(runtime, 'COPY')) {
      for (const source of copy
        .replace(/--[a-z]+=\S+/g, '')
        .trim()
        .split(/\s+/)
        .slice(0, -1)) {
        expect(existsSync(join(ROOT, source.replace(/^\/app\/?/, ''))), source).toBe(true);
      }
    }
    // The health check asks the config's port.
    expect(instruction(runtime, 'HEALTHCHECK')[0]).toContain(`:${PORT}/healthz`);
  });

  it('the compose file: Redis, three gateways on the node config, HAProxy in front', () => {
    const compose = Bun.YAML.parse(read('compose.yaml')) as {
      services: Record<string, { environment?: Record<string, string>; volumes?: string[]; image?: string }>;
    };
    const gateways = Object.entries(compose.services).filter(([name]) => name.startsWith('gateway-'));
    expect(gateways.map(([name]) => name)).toEqual(['gateway-1', 'gateway-2', 'gateway-3']);
    expect(compose.services.redis).toBeDefined();
    const known = cliEnvironment();
    const needed = configVariables(nodeConfigText);
    for (const [name, service] of gateways) {
      const env = service.environment ?? {};
      for (const key of Object.keys(env)) {
        expect(known.has(key) || needed.has(key), `${name}: ${key} is read by nothing`).toBe(true);
      }
      for (const variable of needed) expect(env, `${name} lacks ${variable}`).toHaveProperty(variable);
      // Each node tells the others its own address.
      expect(env.SWITCHYARD_ADVERTISE_URL).toBe(`http://${name}:${PORT}/mcp`);
      // The config file is mounted where SWITCHYARD_CONFIG points.
      expect(service.volumes).toContain(`./switchyard.jsonc:${env.SWITCHYARD_CONFIG}:ro`);
      if (env.SWITCHYARD_LOG_LEVEL !== undefined) {
        expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).toContain(
          env.SWITCHYARD_LOG_LEVEL,
        );
      }
    }
    // HAProxy's servers are the gateway services on the config's port.
    const servers = [...read('haproxy.cfg').matchAll(/^\s*server\s+(\S+)\s+(\S+):(\d+)/gm)];
    expect(servers.map((m) => m[2])).toEqual(gateways.map(([name]) => name));
    for (const m of servers) expect(Number(m[3])).toBe(PORT);
    expect(read('compose.yaml')).toContain('./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg');
  });

  it("HAProxy's own check accepts the file", async () => {
    const checked = await runToEnd(['haproxy', '-c', '-f', join(DEPLOY, 'haproxy.cfg')], { cwd: DEPLOY });
    expect(checked.code, checked.stderr + checked.stdout).toBe(0);
    expect(checked.stdout + checked.stderr).toContain('Configuration file is valid');
  });

  it('the Helm chart: its config loads, its templates use only values it has, the same port and variables', () => {
    const chart = join(DEPLOY, 'helm/switchyard');
    const values = Bun.YAML.parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    const config = parseConfigValue(values.config as JsonValue, {
      source: 'deploy/helm/switchyard/values.yaml#config',
      baseDir: chart,
      env: ENV,
    });
    expect(config.settings.listen.port).toBe(values.port);
    expect(listenProblem(config, config.settings.listen.host)).toBeUndefined();
    expect(values.port).toBe(PORT);
    const templates = readdirSync(join(chart, 'templates')).map((f) =>
      readFileSync(join(chart, 'templates', f), 'utf8'),
    );
    for (const template of templates) {
      for (const m of template.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) {
        let at: unknown = values;
        for (const key of m[1]!.split('.')) at = (at as Record<string, unknown> | undefined)?.[key];
        expect(at, `.Values.${m[1]}`).toBeDefined();
      }
    }
    const deployment = templates.find((t) => t.includes('kind: Deployment'))!;
    expect(deployment).toContain('args: ["serve"]');
    const known = cliEnvironment();
    const needed = configVariables(JSON.stringify(values.config));
    const envNames = [
      ...deployment.matchAll(/- name: ([A-Z_]+)\n\s+value/g),
      ...deployment.matchAll(/- name: ([A-Z_]+)\n\s+valueFrom/g),
    ].map((m) => m[1]!);
    for (const name of envNames) expect(known.has(name) || needed.has(name), name).toBe(true);
    for (const variable of needed) expect(envNames).toContain(variable);
    expect(deployment).toMatch(/path: \/readyz/);
    expect(deployment).toMatch(/runAsNonRoot: true/);
  });

  it('the node config serves for real: the CLI on it (image paths mapped to the repo, loopback, a real Redis)', async () => {
    const redis = await startRedis({ password: ENV.REDIS_PASSWORD });
    try {
      const dir = await tempDir();
      const text = nodeConfigText
        .replaceAll('/app/', ROOT)
        .replace('/var/lib/switchyard/journal.db', join(dir, 'journal.db'))
        .replace('@redis:6379', `@127.0.0.1:${redis.port}`);
      await writeFile(join(dir, 'switchyard.jsonc'), text);
      const served = await runServe(
        ['--config', join(dir, 'switchyard.jsonc'), '--host', '127.0.0.1', '--port', '0'],
        { cwd: dir, env: ENV },
      );
      const meta = {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      };
      const list = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: meta };
      const modern = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' };
      // The token is required (tokens configured: loopback is not let in without one).
      expect((await post(served.url, list, modern)).status).toBe(401);
      const answer = await post(served.url, list, {
        ...modern,
        authorization: `Bearer ${ENV.SWITCHYARD_TOKEN}`,
      });
      const body = await answer.text();
      expect(answer.status, body).toBe(200);
      expect(body).toContain('builtin__echo');
      expect(served.stderr()).not.toContain(ENV.SWITCHYARD_CLUSTER_SECRET);
      expect(served.stderr()).not.toContain(ENV.REDIS_PASSWORD);
    } finally {
      await redis.stop();
    }
  });
});
