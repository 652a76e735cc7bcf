/**
 * Where the key signing login tokens comes from. A configured `auth.tokenSecret` (or
 * MONORAIL_AUTH_TOKEN_SECRET) wins; without one, a member makes a random key once and keeps it in
 * `<dataDir>/auth.key` (mode 0600), as src/secrets/secret-key.ts does for the secrets key, so a restart
 * keeps tokens valid. A cluster must configure the same secret on every member: a generated key is local
 * to one data directory, and a token from one member would be refused by the others.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logging/logger.ts';

export const TOKEN_KEY_FILE = 'auth.key';

export function loadTokenSecret(configured: string | null, dataDir: string, log: Logger): Uint8Array {
  if (configured !== null) return new TextEncoder().encode(configured);
  const file = path.join(dataDir, TOKEN_KEY_FILE);
  let key: string;
  try {
    key = readFileSync(file, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(dataDir, { recursive: true });
    key = randomBytes(32).toString('base64');
    // `wx`: two members starting on one data directory cannot both write a different key.
    try {
      writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
      log.warn({ file }, 'no auth.tokenSecret configured: generated one for this data directory (configure the same secret on every cluster member)');
    } catch (raced) {
      if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced;
      key = readFileSync(file, 'utf8').trim();
    }
  }
  if (key.length < 32) throw new Error(`${file} holds a key shorter than 32 characters: remove it to have a new one generated`);
  return new TextEncoder().encode(key);
}
