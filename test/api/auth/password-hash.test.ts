/** scrypt password hashes: format, verification, malformed or tampered stored values, and what a hash costs. */
import { describe, expect, it } from 'vitest';
import { costOf, hashPassword, verifyPassword } from '../../../src/api/auth/password-hash.ts';
import { checkPassword } from '../../../src/api/auth/password-policy.ts';

describe('password hashes', () => {
  it('are salted PHC strings that verify the password and nothing else', async () => {
    const a = await hashPassword('correct horse', 10);
    const b = await hashPassword('correct horse', 10);
    expect(a).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{86}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horse', b)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
    expect(costOf(a)).toBe(10);
  });

  it('treat canonically equivalent Unicode passwords as one (NFC)', async () => {
    const composed = await hashPassword('caf\u00e9-p\u00e4ss', 10);
    expect(await verifyPassword('cafe\u0301-pa\u0308ss', composed)).toBe(true);
  });

  it('never match a malformed or tampered stored value, and refuse costs that would exhaust memory', async () => {
    const good = await hashPassword('password-1', 10);
    const [, , params, salt, key] = good.split('$');
    const tampered = [
      '',
      'plaintext',
      'password-1',
      good.slice(0, -10),
      `$scrypt$${params}$${salt}$`,
      `$scrypt$ln=30,r=8,p=1$${salt}$${key}`,
      `$scrypt$ln=10,r=99,p=1$${salt}$${key}`,
      `$scrypt$ln=10,r=8,p=1$${salt}$${(key ?? '').replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`,
      `$bcrypt$${params}$${salt}$${key}`,
      `${good}\n`,
    ];
    for (const stored of tampered) expect([stored, await verifyPassword('password-1', stored)]).toEqual([stored, false]);
    expect(costOf('garbage')).toBeUndefined();
  });

  it('cost about 0.1 s at the default cost (2^15), which is what a login pays', async () => {
    const stored = await hashPassword('measured-password', 15);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = process.hrtime.bigint();
      expect(await verifyPassword('measured-password', stored)).toBe(true);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    expect(await verifyPassword('measured-passworD', stored)).toBe(false);
    times.sort((a, b) => a - b);
    console.log(`scrypt N=2^15 r=8 p=1 verify: median ${times[2]?.toFixed(1)} ms, min ${times[0]?.toFixed(1)} ms, max ${times[4]?.toFixed(1)} ms`);
  });
});

describe('the password policy', () => {
  it('wants at least 8 characters, at most 256, and not the username', () => {
    expect(() => checkPassword('user', 'seven77')).toThrow('password must be at least 8 characters');
    expect(() => checkPassword('user', '\u{1F600}'.repeat(7))).toThrow('at least 8');
    expect(() => checkPassword('user', 'x'.repeat(257))).toThrow('at most 256');
    expect(() => checkPassword('Administrator', 'administrator')).toThrow('must not be the username');
    expect(() => checkPassword('user', 'eight888')).not.toThrow();
  });
});
