/**
 * Encryption of credential fields at rest (BMC passwords, SNMP communities): AES-256-GCM with a key
 * derived from the configured `secrets.key` string by scrypt (RFC 7914), so a passphrase and a random
 * string both give a full-strength key. Every seal draws a fresh 96-bit IV (NIST SP 800-38D §8.2.2);
 * the 128-bit tag makes any change to iv, tag or data, or opening under another key or context, fail
 * instead of returning garbage. An optional context string is bound in as additional authenticated
 * data, so a sealed value cannot be moved to another field unnoticed.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { ConfigError, ValidationError } from '../errors.ts';

/** The stored form: version, IV, GCM tag and ciphertext, base64. */
export interface Sealed {
  readonly v: 1;
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

/** Shorter keys are refused: they are guessable whatever the KDF. */
export const MIN_KEY_LENGTH = 16;
/** scrypt cost (N = 2^15, r = 8, p = 1: RFC 7914 §2's interactive-use figure; ~32 MiB, tens of ms once per process). */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
/** Fixed so every member derives the same key from the same string; the key string carries the entropy. */
const SALT = 'monorail/secret-box/v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** A box for the configured key; ConfigError (never echoing the key) when it is missing or too short. */
  static fromKey(key: string | null | undefined): SecretBox {
    if (typeof key !== 'string' || key.length < MIN_KEY_LENGTH) {
      throw new ConfigError([{ path: 'secrets.key', expected: `a string of at least ${MIN_KEY_LENGTH} characters`, actual: key === null || key === undefined ? key : '[redacted]' }]);
    }
    return new SecretBox(scryptSync(key.normalize('NFC'), SALT, 32, SCRYPT));
  }

  seal(plain: string, context = ''): Sealed {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return { v: 1, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  /** The plain text, or a ValidationError when `sealed` is malformed, was tampered with, or was sealed under another key or context. */
  open(sealed: unknown, context = ''): string {
    const s = parseSealed(sealed);
    const decipher = createDecipheriv('aes-256-gcm', this.key, s.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(s.tag);
    try {
      return Buffer.concat([decipher.update(s.data), decipher.final()]).toString('utf8');
    } catch {
      throw new ValidationError('sealed secret failed authentication: it was changed, or sealed under another key or context', [
        { path: 'tag', message: 'does not match the data under this key' },
      ]);
    }
  }
}

export function isSealed(value: unknown): value is Sealed {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v['v'] === 1 && typeof v['iv'] === 'string' && typeof v['tag'] === 'string' && typeof v['data'] === 'string';
}

function parseSealed(value: unknown): { iv: Buffer; tag: Buffer; data: Buffer } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError('sealed secret must be an object {v, iv, tag, data}', [{ path: '', message: 'not an object' }]);
  const v = value as Record<string, unknown>;
  const errors: { path: string; message: string }[] = [];
  if (v['v'] !== 1) errors.push({ path: 'v', message: 'unsupported version (expected 1)' });
  const field = (name: 'iv' | 'tag' | 'data', bytes?: number): Buffer => {
    const text = v[name];
    if (typeof text !== 'string' || !BASE64.test(text) || text.length % 4 !== 0) {
      errors.push({ path: name, message: 'must be base64' });
      return Buffer.alloc(0);
    }
    const buf = Buffer.from(text, 'base64');
    if (bytes !== undefined && buf.length !== bytes) errors.push({ path: name, message: `must be ${bytes} bytes` });
    return buf;
  };
  const parsed = { iv: field('iv', IV_BYTES), tag: field('tag', TAG_BYTES), data: field('data') };
  if (errors.length > 0) throw new ValidationError(`malformed sealed secret: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
  return parsed;
}
