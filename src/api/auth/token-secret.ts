/**
 * Where the key signing login tokens comes from. A configured `auth.tokenSecret` (or
 * MONORAIL_AUTH_TOKEN_SECRET) wins; without one, a member makes a random key once and keeps it in
 * `<dataDir>/auth.key` (mode 0600), as src/secrets/secret-key.ts does for the secrets key, so a restart
 * keeps tokens valid. A cluster must configure the same secret on every member: a generated key is local
 * to one data directory, and a token from one member would be refused by the others.
 */
import type { Logger } from '../../logging/logger.ts';
import { readOrCreateKeyFile } from '../../secrets/key-file.ts';

export const TOKEN_KEY_FILE = 'auth.key';

export function loadTokenSecret(configured: string | null, dataDir: string, log: Logger): Uint8Array {
  if (configured !== null) return new TextEncoder().encode(configured);
  const { key, file, created } = readOrCreateKeyFile(dataDir, TOKEN_KEY_FILE);
  if (created) log.warn({ file }, 'no auth.tokenSecret configured: generated one for this data directory (configure the same secret on every cluster member)');
  if (key.length < 32) throw new Error(`${file} holds a key shorter than 32 characters: remove it to have a new one generated`);
  return new TextEncoder().encode(key);
}
