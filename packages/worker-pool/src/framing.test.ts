import { describe, expect, it } from 'vitest';
import { LineSplitter } from './framing.ts';

function collect(max: number) {
  const lines: string[] = [];
  const oversize: string[] = [];
  const splitter = new LineSplitter(max, { line: (l) => lines.push(l), oversize: (s) => oversize.push(s) });
  return { splitter, lines, oversize };
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
});
