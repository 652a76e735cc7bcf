/**
 * A random key kept in a file of the data directory (mode 0600), made the first time it is needed: the
 * secrets key and the token-signing key when none is configured. Two members starting on one directory
 * cannot write different keys: the file is created exclusively, and the loser reads the winner's.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The key in `<dir>/<name>`, created (32 random bytes, base64) if absent; `created` says which. */
export function readOrCreateKeyFile(dir: string, name: string): { readonly key: string; readonly file: string; readonly created: boolean } {
  const file = path.join(dir, name);
  try {
    return { key: readFileSync(file, 'utf8').trim(), file, created: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dir, { recursive: true });
  const key = randomBytes(32).toString('base64');
  try {
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return { key, file, created: true };
  } catch (raced) {
    if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced;
    return { key: readFileSync(file, 'utf8').trim(), file, created: false };
  }
}
