/**
 * Where the secrets key comes from. A configured `secrets.key` (or MONORAIL_SECRETS_KEY) wins; without
 * one, a member on its embedded default makes a random key once and keeps it in `<dataDir>/secrets.key`
 * (mode 0600), so `npm start` works out of the box and credentials are still never stored in clear.
 * A cluster must configure the same key on every member: a generated key is local to one data directory.
 */
import type { Logger } from '../logging/logger.ts';
import { readOrCreateKeyFile } from './key-file.ts';
import { SecretBox } from './secret-box.ts';

export function openSecretBox(configured: string | null, dataDir: string, log: Logger): SecretBox {
  if (configured !== null) return SecretBox.fromKey(configured);
  const { key, file, created } = readOrCreateKeyFile(dataDir, 'secrets.key');
  if (created) log.warn({ file }, 'no secrets.key configured: generated one for this data directory (configure the same key on every cluster member)');
  return SecretBox.fromKey(key);
}
