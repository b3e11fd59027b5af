import { describe, expect, it } from 'vitest';
import { LineSplitter, type OversizeLine } from './framing.ts';

function collect(max: number) {
  const lines: string[] = [];
  const oversize: string[] = [];
  const ended: OversizeLine[] = [];
  const chunks: string[] = [];
  const splitter = new LineSplitter(max, {
    line: (l) => lines.push(l),
    oversize: (s) => oversize.push(s),
    oversizeChunk: (c) => chunks.push(c),
    oversizeEnd: (l) => {
      ended.push(l);
      chunks.push('|');
    },
  });
  return { splitter, lines, oversize, ended, chunks };
}
const bytes = (s: string) => new TextEncoder().encode(s);

describe('LineSplitter', () => {
  it('splits lines across chunks, tolerates CRLF, skips empty lines', () => {
    const { splitter, lines } = collect(100);
    splitter.push(bytes('{"a":1}\n{"b"'));
    splitter.push(bytes(':2}\r\n\n{"c":3}'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
    splitter.end();
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('keeps multi-byte characters split between chunks whole', () => {
    const { splitter, lines } = collect(100);
    const all = bytes('"héllo ✓"\n');
    splitter.push(all.subarray(0, 3));
    splitter.push(all.subarray(3, 9));
    splitter.push(all.subarray(9));
    expect(lines).toEqual(['"héllo ✓"']);
  });

  it('reports a line over the limit once, drops it, and goes on with the next', () => {
    const { splitter, lines, oversize } = collect(10);
    splitter.push(bytes('0123456789ABCDEF'));
    splitter.push(bytes('GHIJ'));
    splitter.push(bytes('KLMN\nok\n'));
    expect(oversize).toEqual(['0123456789ABCDEF']);
    expect(lines).toEqual(['ok']);
    splitter.push(bytes('0123456789XYZ\nnext\n'));
    expect(oversize).toHaveLength(2);
    expect(lines).toEqual(['ok', 'next']);
  });

  it('says how long a dropped line was and gives its first and last characters', () => {
    const { splitter, ended } = collect(10);
    splitter.push(bytes('{"result":"0123456789'));
    splitter.push(bytes('abcdef","id":7}\r\n{"a":1}\n'));
    splitter.push(bytes('0123456789XYZ\n'));
    splitter.push(bytes('0123456789-at-the-end'));
    splitter.end();
    expect(ended).toEqual([
      { length: 36, head: '{"result":"0123456789', tail: '{"result":"0123456789abcdef","id":7}' },
      { length: 13, head: '0123456789XYZ', tail: '0123456789XYZ' },
      { length: 21, head: '0123456789-at-the-end', tail: '0123456789-at-the-end' },
    ]);
  });

  it('hands over every character of a line over the limit, in order, and nothing of the others', () => {
    const { splitter, chunks, lines } = collect(10);
    splitter.push(bytes('{"a":1}\n{"result":"01'));
    splitter.push(bytes('23456789'));
    splitter.push(bytes('abc","id":7}\r\n{"b":2}\n{"c":"0123456789"'));
    splitter.push(bytes('}'));
    splitter.end();
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
    expect(chunks.join('')).toBe('{"result":"0123456789abc","id":7}\r|{"c":"0123456789"}|');
  });
});
