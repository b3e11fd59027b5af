/**
 * A second principal tries to see the first — through the real gateway, with real
 * server-everything processes behind it and real SDK clients of two principals (bearer tokens):
 * backend log lines, server-to-client requests and the lists of shared, per-principal and
 * per-session backends. (The admin surface, stderr and environment have suites of their own.)
 */

import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { connectClient, startInProcess, tempDir } from './support/gateway.ts';
import { EVERYTHING, FILESYSTEM } from './support/third-party.ts';

const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef00';

function everything(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { command: process.execPath, args: [EVERYTHING, 'stdio'], tier: 'hot', ...extra };
}

function config(servers: Record<string, unknown>): Record<string, unknown> {
  return {
    mcpServers: servers,
    switchyard: {
      auth: {
        tokens: [
          { token: ALICE, principal: 'alice' },
          { token: BOB, principal: 'bob' },
        ],
      },
    },
  };
}

interface Principal {
  client: Client;
  logs: string[];
  sampled: string[];
}

async function connectAs(url: string, token: string, name: string): Promise<Principal> {
  const client = await connectClient(url, {
    name,
    capabilities: { sampling: {} },
    headers: { authorization: `Bearer ${token}` },
  });
  const p: Principal = { client, logs: [], sampled: [] };
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    p.logs.push(JSON.stringify(n.params.data));
  });
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    p.sampled.push(JSON.stringify(request.params.messages));
    return { role: 'assistant', content: { type: 'text', text: `answer for ${name}` }, model: 'test-model' };
  });
  await client.setLoggingLevel('debug');
  return p;
}

function textOf(result: unknown): string {
  return JSON.stringify(CallToolResultSchema.parse(result).content);
}

describe('isolation — a second principal tries to see the first (real server-everything)', () => {
  it('log lines: a shared worker’s reach no client; a per-principal worker’s reach only its principal', async () => {
    const { url } = await startInProcess(
      config({ shared: everything(), own: everything({ isolation: 'per-principal' }) }),
    );
    const alice = await connectAs(url, ALICE, 'alice');
    const bob = await connectAs(url, BOB, 'bob');
    // Both principals call the shared worker; a log line of it may be anyone's, so it goes to the
    // gateway's log only.
    await bob.client.callTool({ name: 'shared__echo', arguments: { message: 'bob was here' } });
    await alice.client.callTool({ name: 'shared__toggle-simulated-logging', arguments: {} });
    // The per-principal worker is alice's alone: its first log line (sent at once) reaches her.
    await alice.client.callTool({ name: 'own__toggle-simulated-logging', arguments: {} });
    await expect.poll(() => alice.logs.length, { timeout: 10_000 }).toBeGreaterThan(0);
    // Give a line wrongly sent to bob the same time to arrive as alice's took, and more.
    await Bun.sleep(300);
    expect(bob.logs).toEqual([]);
  });

  it('sampling: a shared worker two principals used cannot ask either; a per-principal worker asks its own', async () => {
    const { url } = await startInProcess(
      config({ shared: everything(), own: everything({ isolation: 'per-principal' }) }),
    );
    const alice = await connectAs(url, ALICE, 'alice');
    const bob = await connectAs(url, BOB, 'bob');
    // Bob's call ran on the shared worker before: a request it makes now may be bob's.
    await bob.client.callTool({ name: 'shared__echo', arguments: { message: 'bob was here' } });
    const shared = await alice.client.callTool({
      name: 'shared__trigger-sampling-request',
      arguments: { prompt: 'alice private prompt' },
    });
    // The backend was told the request cannot be relayed; nobody was asked.
    expect(shared.isError === true || /error|cannot/i.test(textOf(shared))).toBe(true);
    expect(alice.sampled).toEqual([]);
    expect(bob.sampled).toEqual([]);
    const own = await alice.client.callTool({
      name: 'own__trigger-sampling-request',
      arguments: { prompt: 'alice private prompt' },
    });
    expect(textOf(own)).toContain('answer for alice');
    expect(alice.sampled).toHaveLength(1);
    expect(alice.sampled[0]).toContain('alice private prompt');
    expect(bob.sampled).toEqual([]);
  });

  it('lists: a per-session worker’s session resource is listed for its session only', async () => {
    const { url } = await startInProcess(
      config({ mine: everything({ isolation: 'per-session', tier: 'warm' }) }),
    );
    const alice1 = await connectAs(url, ALICE, 'alice-1');
    const alice2 = await connectAs(url, ALICE, 'alice-2');
    const bob = await connectAs(url, BOB, 'bob');
    const made = await alice1.client.callTool({
      name: 'mine__gzip-file-as-resource',
      arguments: {
        name: 'alice-secret.gz',
        data: 'data:text/plain;base64,c2VjcmV0',
        outputType: 'resourceLink',
      },
    });
    expect(textOf(made)).toContain('alice-secret.gz');
    const names = async (p: Principal) => (await p.client.listResources()).resources.map((r) => r.uri);
    await expect
      .poll(() => names(alice1), { timeout: 10_000 })
      .toContain('demo://resource/session/alice-secret.gz');
    // Another session of the same principal and a session of another principal each list their own worker's.
    expect(await names(alice2)).not.toContain('demo://resource/session/alice-secret.gz');
    expect(await names(bob)).not.toContain('demo://resource/session/alice-secret.gz');
    // And a read of it from elsewhere finds nothing of alice's.
    await expect(
      bob.client.readResource({ uri: 'demo://resource/session/alice-secret.gz' }),
    ).rejects.toThrow();
  });
});

describe('isolation — a client’s roots and files (real server-filesystem)', () => {
  it('one principal’s roots never widen a shared filesystem server for another; its files stay out of reach', async () => {
    const base = await realpath(await tempDir());
    const shared = join(base, 'shared');
    const aliceDir = join(base, 'alice');
    await mkdir(shared);
    await mkdir(aliceDir);
    await writeFile(join(shared, 'readme.txt'), 'for everyone');
    await writeFile(join(aliceDir, 'secret.txt'), 'alice-only-secret');
    const { url } = await startInProcess(
      config({ fs: { command: process.execPath, args: [FILESYSTEM, shared], tier: 'hot' } }),
    );
    // Alice offers roots pointing at her own directory, and says they changed.
    const alice = await connectClient(url, {
      name: 'alice',
      capabilities: { roots: { listChanged: true } },
      headers: { authorization: `Bearer ${ALICE}` },
    });
    let rootsAsked = 0;
    alice.setRequestHandler(ListRootsRequestSchema, async () => {
      rootsAsked++;
      return { roots: [{ uri: pathToFileURL(aliceDir).href, name: 'alice' }] };
    });
    await alice.sendRootsListChanged();
    const bob = await connectClient(url, { name: 'bob', headers: { authorization: `Bearer ${BOB}` } });
    await alice.callTool({ name: 'fs__list_allowed_directories', arguments: {} });

    const allowed = textOf(await bob.callTool({ name: 'fs__list_allowed_directories', arguments: {} }));
    expect(allowed).toContain(shared);
    expect(allowed).not.toContain(aliceDir);
    const read = CallToolResultSchema.parse(
      await bob.callTool({ name: 'fs__read_text_file', arguments: { path: join(aliceDir, 'secret.txt') } }),
    );
    expect(read.isError).toBe(true);
    expect(JSON.stringify(read.content)).not.toContain('alice-only-secret');
    // The shared server never asked Alice for her roots: it serves more than her.
    expect(rootsAsked).toBe(0);
    // What is shared stays readable to both.
    expect(
      textOf(
        await bob.callTool({ name: 'fs__read_text_file', arguments: { path: join(shared, 'readme.txt') } }),
      ),
    ).toContain('for everyone');
  });
});
