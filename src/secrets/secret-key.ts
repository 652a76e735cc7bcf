/**
 * Where the secrets key comes from. A configured `secrets.key` (or MONORAIL_SECRETS_KEY) wins; without
 * one, a member on its embedded default makes a random key once and keeps it in `<dataDir>/secrets.key`
 * (mode 0600), so `npm start` works out of the box and credentials are still never stored in clear.
 * A cluster must configure the same key on every member: a generated key is local to one data directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logging/logger.ts';
import { SecretBox } from './secret-box.ts';

export function openSecretBox(configured: string | null, dataDir: string, log: Logger): SecretBox {
  if (configured !== null) return SecretBox.fromKey(configured);
  const file = path.join(dataDir, 'secrets.key');
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
      log.warn({ file }, 'no secrets.key configured: generated one for this data directory (configure the same key on every cluster member)');
    } catch (raced) {
      if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced;
      key = readFileSync(file, 'utf8').trim();
    }
  }
  return SecretBox.fromKey(key);
}
