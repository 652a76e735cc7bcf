/** A real embedded store in a fresh temporary directory, removed on cleanup. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { databaseFileName, openEmbeddedStore } from '../../src/persistence/embedded/embedded-store.ts';
import type { Store } from '../../src/persistence/store.ts';

export interface TempStore {
  readonly dir: string;
  readonly file: string;
  open(): Promise<Store>;
  cleanup(): void;
}

export function tempStore(prefix = 'monorail-test-'): TempStore {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const file = path.join(dir, databaseFileName);
  return {
    dir,
    file,
    open: () => openEmbeddedStore({ path: dir }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
