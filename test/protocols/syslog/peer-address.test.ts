import { describe, expect, it } from 'vitest';
import { normalizePeerAddress } from '../../../src/protocols/syslog/peer-address.ts';

describe('normalizePeerAddress', () => {
  it.each([
    ['::ffff:10.99.0.5', '10.99.0.5'],
    ['::FFFF:127.0.0.1', '127.0.0.1'],
    ['10.99.0.5', '10.99.0.5'],
    ['::1', '::1'],
    ['FD99::2', 'fd99::2'],
    ['::ffff:abcd', '::ffff:abcd'],
  ])('%s → %s', (raw, expected) => {
    expect(normalizePeerAddress(raw)).toBe(expected);
  });
});
