/**
 * `switchyard.journal.auditPayloads`: a real gateway (`serve`) journals an audited tools/call with
 * its request and response as JSON text when asked, and with neither by default; `journal export`
 * shows what is there.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.ts';
import { connectClient, fixtureEntry, startServe, tempDir } from './support/gateway.ts';

interface AuditLine {
  type: string;
  method: string;
  name: string | null;
  outcome: string;
  request: string | null;
  response: string | null;
}

/** Serves a gateway with `journal` settings, makes one fx__echo call, returns its exported audit record. */
async function auditedEcho(journal: Record<string, unknown>): Promise<AuditLine> {
  const dir = await tempDir();
  const config = join(dir, 'switchyard.json');
  await writeFile(
    config,
    JSON.stringify({
      mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) },
      switchyard: { journal: { path: './j.db', ...journal } },
    }),
  );
  const serve = await startServe(['--config', config], { cwd: dir });
  const client = await connectClient(serve.url);
  await client.callTool({ name: 'fx__echo', arguments: { text: 'audited' } });
  // The journal commits in groups: poll the export (a read-only reader beside the gateway).
  let found: AuditLine | undefined;
  const deadline = Date.now() + 10_000;
  while (found === undefined && Date.now() < deadline) {
    const exported = await runCli(['journal', 'export', '--config', config], { cwd: dir });
    expect(exported.code, exported.stderr).toBe(0);
    found = exported.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditLine)
      .find((r) => r.type === 'audit' && r.method === 'tools/call' && r.name === 'fx__echo');
    if (found === undefined) await new Promise((r) => setTimeout(r, 100));
  }
  if (found === undefined) throw new Error('the call was not in the journal export within 10 s');
  return found;
}

describe('audit payloads', () => {
  it('with auditPayloads: true, the audit of a tools/call has its request and response', {
    timeout: 30_000,
  }, async () => {
    const audit = await auditedEcho({ auditPayloads: true });
    expect(audit.outcome).toBe('ok');
    expect(JSON.parse(audit.request ?? 'null')).toMatchObject({
      jsonrpc: '2.0',
      method: 'tools/call',
      params: { name: 'fx__echo', arguments: { text: 'audited' } },
    });
    expect(JSON.parse(audit.response ?? 'null')).toMatchObject({
      jsonrpc: '2.0',
      result: { content: [{ type: 'text', text: 'audited' }] },
    });
  });

  it('by default, it has neither', { timeout: 30_000 }, async () => {
    const audit = await auditedEcho({});
    expect(audit).toMatchObject({ outcome: 'ok', request: null, response: null });
  });
});
