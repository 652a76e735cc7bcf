/**
 * Password hashing with scrypt (RFC 7914) from node:crypto: a random 16-byte salt per password, a 64-byte
 * key, and the parameters kept in the stored string (PHC string format,
 * `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`, base64 without padding) so the cost can be raised later without
 * breaking existing hashes. Comparison is constant-time.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_BYTES = 64;
const SALT_BYTES = 16;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;

function scrypt(password: string, salt: Buffer, keyBytes: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // NFC: the same password typed on another keyboard layout or OS must hash the same.
    scryptCallback(password.normalize('NFC'), salt, keyBytes, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** scrypt needs 128 · N · r bytes; node's default ceiling (32 MiB) is exactly N = 2^15, r = 8, so allow twice that. */
const optionsFor = (logN: number, r: number, p: number): ScryptOptions => ({ N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r + 1024 * 1024 });

/** Hashes a password at cost 2^logN. */
export async function hashPassword(password: string, logN: number): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, KEY_BYTES, optionsFor(logN, BLOCK_SIZE, PARALLELISM));
  return `$scrypt$ln=${logN},r=${BLOCK_SIZE},p=${PARALLELISM}$${salt.toString('base64').replace(/=+$/, '')}$${key.toString('base64').replace(/=+$/, '')}`;
}

interface Parsed {
  readonly logN: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

// The key is always 64 bytes: a shorter stored key would be a prefix of scrypt's output, so accepting one
// would let a tampered store weaken a hash.
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{22,86})\$([A-Za-z0-9+/]{86})$/;

/** Bounds keep a tampered store from making one login cost gigabytes. */
function parse(stored: string): Parsed | undefined {
  const m = PHC.exec(stored);
  if (m === null) return undefined;
  const [logN, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (logN < 10 || logN > 20 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  return { logN, r, p, salt: Buffer.from(m[4] ?? '', 'base64'), key: Buffer.from(m[5] ?? '', 'base64') };
}

/** Whether `password` matches `stored`; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (parsed === undefined) return false;
  const key = await scrypt(password, parsed.salt, KEY_BYTES, optionsFor(parsed.logN, parsed.r, parsed.p));
  return timingSafeEqual(key, parsed.key);
}

/** The cost a stored hash was made with, so a login can rehash a weaker one. */
export function costOf(stored: string): number | undefined {
  return parse(stored)?.logN;
}
