import { describe, expect, it } from 'vitest';
import { dropIncompleteUtf8Tail, truncateUtf8 } from '../../../src/protocols/syslog/byte-limit.ts';

describe('truncateUtf8', () => {
  it('keeps short input as it is', () => {
    const b = Buffer.from('héllo');
    expect(truncateUtf8(b, 100)).toBe(b);
  });

  it.each([
    ['abc€', 4, 'abc'],
    ['abc€', 5, 'abc'],
    ['abc€', 6, 'abc€'],
    ['ab😀', 5, 'ab'],
    ['ab😀', 6, 'ab😀'],
    ['üü', 3, 'ü'],
    ['plain', 3, 'pla'],
  ])('%s cut at %i → %s', (text, max, expected) => {
    expect(truncateUtf8(Buffer.from(text), max).toString()).toBe(expected);
  });

  it('leaves invalid bytes alone (they are not a cut character)', () => {
    expect([...dropIncompleteUtf8Tail(Buffer.from([0x41, 0xff]))]).toEqual([0x41, 0xff]);
    expect([...dropIncompleteUtf8Tail(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80]))]).toHaveLength(5);
    expect([...dropIncompleteUtf8Tail(Buffer.alloc(0))]).toEqual([]);
  });
});
