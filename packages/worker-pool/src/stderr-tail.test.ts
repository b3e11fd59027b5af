import { describe, expect, it } from 'vitest';
import { StderrTail } from './stderr-tail.ts';

describe('StderrTail', () => {
  it('keeps the last lines, oldest first', () => {
    const t = new StderrTail(3);
    expect(t.lines()).toEqual([]);
    t.push('a');
    t.push('b');
    expect(t.lines()).toEqual(['a', 'b']);
    t.push('c');
    t.push('d');
    t.push('e');
    expect(t.lines()).toEqual(['c', 'd', 'e']);
  });
});
