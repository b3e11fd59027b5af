/**
 * `switchyard serve` with `auth.oauth` (#21), as the real CLI in a child process: the default
 * resource is the origin it actually listens on (the port was 0) + `/mcp`, and an access token for
 * it from a real authorization server (`oidc-provider`) gets through; beyond loopback a resource
 * must be configured.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.ts';
import { startAuthorizationServer } from './support/authorization-server.ts';
import { fixtureEntry, INITIALIZE, post, startServe, tempDir } from './support/gateway.ts';

describe('serve with auth.oauth', () => {
  it('the default resource is the listening origin + /mcp; a token for it is let in', async () => {
    const as = await startAuthorizationServer();
    const dir = await tempDir();
    const config = join(dir, 'switchyard.json');
    await writeFile(
      config,
      JSON.stringify({
        mcpServers: { fx: fixtureEntry('fx') },
        switchyard: { auth: { oauth: { issuer: as.issuer, requiredScopes: ['mcp:tools'] } } },
      }),
    );
    const serve = await startServe(['--config', config], { cwd: dir });
    const origin = new URL(serve.url).origin;
    const prm = (await (await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)).json()) as {
      resource: string;
    };
    expect(prm.resource).toBe(`${origin}/mcp`);
    expect(serve.url).toBe(`${origin}/mcp`);
    const refused = await post(serve.url, INITIALIZE);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain(
      `resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`,
    );
    const token = await as.token('alice', { resource: prm.resource });
    const initialized = await post(serve.url, INITIALIZE, { authorization: `Bearer ${token}` });
    expect(initialized.status).toBe(200);
  });

  it('refuses to listen beyond loopback without auth.oauth.resource (exit 1, naming the key)', async () => {
    const dir = await tempDir();
    const config = join(dir, 'switchyard.json');
    await writeFile(
      config,
      JSON.stringify({
        mcpServers: {},
        switchyard: { auth: { oauth: { issuer: 'https://auth.example.com' } } },
      }),
    );
    const result = await runCli(['serve', '--config', config, '--host', '0.0.0.0', '--port', '0'], {
      cwd: dir,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/switchyard\.auth\.oauth\.resource/);
  });
});
