import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packInstallAndRun, rootLicense, tarballProblems } from '../../../tooling/testing/pack.ts';

const pkgDir = resolve(import.meta.dirname, '..');

const smoke = `
import { MessageParser, IdRemapper, isInvalidCursorError, CursorCodec } from '@switchyard/coordinator';

const entry = new MessageParser().parse('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
if (entry.kind !== 'single' || entry.entry.kind !== 'request') throw new Error('not a request: ' + JSON.stringify(entry));
const remapper = new IdRemapper();
const a = remapper.outbound('a', entry.entry.message);
const b = remapper.outbound('b', entry.entry.message);
const back = remapper.inbound({ jsonrpc: '2.0', id: b.id, result: { tools: [] } });
let cursorRefused = false;
try { new CursorCodec().decode('x', 'tools/list', []); } catch (e) { cursorRefused = isInvalidCursorError(e); }
console.log(JSON.stringify({ a: a.id, b: b.id, to: back.origin.sessionKey, id: back.message.id, cursorRefused }));
`;

describe('the npm tarball', () => {
  it('installs into a fresh project and runs under bun', () => {
    const { stdout, files, license } = packInstallAndRun(pkgDir, smoke, 'bun');
    expect(JSON.parse(stdout.trim())).toEqual({ a: 1, b: 2, to: 'b', id: 1, cursorRefused: true });
    expect(tarballProblems(files)).toEqual([]);
    expect(license).toBe(rootLicense);
  }, 180_000);
});
