import { describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../src/errors.ts';
import { SecretBox, isSealed } from '../../src/secrets/secret-box.ts';
import { seededRandom } from '../support/seeded-random.ts';

const KEY = 'correct horse battery staple 42';

describe('SecretBox', () => {
  const box = SecretBox.fromKey(KEY);

  it('seals to {v:1, iv, tag, data} in base64 and opens back, with a fresh IV each time', () => {
    const a = box.seal('hunter2');
    const b = box.seal('hunter2');
    expect(a).toEqual({ v: 1, iv: expect.stringMatching(/^[A-Za-z0-9+/]{16}$/) as string, tag: expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/) as string, data: expect.any(String) as string });
    expect(Buffer.from(a.iv, 'base64')).toHaveLength(12);
    expect(a.iv).not.toBe(b.iv);
    expect(a.data).not.toBe(b.data);
    expect(JSON.stringify(a)).not.toContain('hunter2');
    expect(box.open(a)).toBe('hunter2');
    expect(box.open(JSON.parse(JSON.stringify(b)))).toBe('hunter2');
    expect(box.open(box.seal(''))).toBe('');
    expect(box.open(box.seal('pässwörd ✓ 𝕏'))).toBe('pässwörd ✓ 𝕏');
    expect(isSealed(a)).toBe(true);
    expect(isSealed({ v: 2, iv: '', tag: '', data: '' })).toBe(false);
  });

  it('derives the same key from the same string (every cluster member opens what another sealed)', () => {
    const other = SecretBox.fromKey(KEY);
    expect(other.open(box.seal('shared'))).toBe('shared');
  });

  it('refuses a value sealed under another key or another context', () => {
    const sealed = box.seal('hunter2', 'obm:ipmi:config.password');
    expect(() => SecretBox.fromKey(`${KEY}!`).open(sealed, 'obm:ipmi:config.password')).toThrow(ValidationError);
    expect(() => box.open(sealed, 'obm:ipmi:config.community')).toThrow(/failed authentication/);
    expect(box.open(sealed, 'obm:ipmi:config.password')).toBe('hunter2');
  });

  it('detects tampering with any bit of iv, tag or data (seeded)', () => {
    const rnd = seededRandom(7);
    const sealed = box.seal('a BMC password of some length');
    for (let i = 0; i < 200; i++) {
      const field = (['iv', 'tag', 'data'] as const)[Math.floor(rnd() * 3)] ?? 'data';
      const bytes = Buffer.from(sealed[field], 'base64');
      const at = Math.floor(rnd() * bytes.length);
      bytes[at] = (bytes[at] ?? 0) ^ (1 << Math.floor(rnd() * 8));
      expect(() => box.open({ ...sealed, [field]: bytes.toString('base64') }), `${field}[${at}]`).toThrow(ValidationError);
    }
  });

  it('refuses malformed sealed values with a ValidationError naming the field', () => {
    const sealed = box.seal('x');
    expect(() => box.open(null)).toThrow(ValidationError);
    expect(() => box.open('x')).toThrow(ValidationError);
    expect(() => box.open([sealed])).toThrow(ValidationError);
    expect(() => box.open({ ...sealed, v: 2 })).toThrow(/v unsupported version/);
    expect(() => box.open({ ...sealed, iv: 'not base64!' })).toThrow(/iv must be base64/);
    expect(() => box.open({ ...sealed, iv: Buffer.alloc(8).toString('base64') })).toThrow(/iv must be 12 bytes/);
    expect(() => box.open({ ...sealed, tag: Buffer.alloc(4).toString('base64') })).toThrow(/tag must be 16 bytes/);
    expect(() => box.open({ ...sealed, data: Buffer.from('truncated').toString('base64') })).toThrow(ValidationError);
    expect(() => box.open({ iv: sealed.iv })).toThrow(ValidationError);
  });

  it('refuses a missing or short key as a configuration error that never shows the key', () => {
    expect(() => SecretBox.fromKey(null)).toThrow(ConfigError);
    expect(() => SecretBox.fromKey(undefined)).toThrow(/secrets\.key/);
    let error: unknown;
    try {
      SecretBox.fromKey('short-key-123');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(JSON.stringify([(error as ConfigError).message, (error as ConfigError).toJSON()])).not.toContain('short-key-123');
  });
});
