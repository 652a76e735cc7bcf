import { describe, expect, it } from 'vitest';
import { fromNetascii, toNetascii } from '../../../src/protocols/tftp/netascii.ts';

describe('netascii', () => {
  it('sends LF as CR LF and a lone CR as CR NUL (RFC 1350 §1, RFC 764)', () => {
    expect(toNetascii(Buffer.from('a\nb\rc\r\n'))).toEqual(Buffer.from('a\r\nb\r\0c\r\0\r\n', 'latin1'));
  });

  it('leaves content without CR or LF as it is', () => {
    const b = Buffer.from('plain');
    expect(toNetascii(b)).toBe(b);
  });

  it('round-trips any bytes', () => {
    const all = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    expect(fromNetascii(toNetascii(all))).toEqual(all);
  });
});
