/**
 * Where definitions put through the API (`PUT /workflows/graphs`, `PUT /workflows/tasks`) are kept so they
 * survive a restart: one JSON file per definition under `<dataDir>/definitions/{graphs,tasks}/`, written
 * atomically (temporary file, then rename), in the RackHD format `loadDefinitionFiles` reads. At start the
 * member loads the directory after its built-in definitions, so a stored definition of a built-in's name
 * replaces it, as RackHD's upsert did.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DefinitionLibrary } from '../../../actors/workflow/definition-library.ts';
import type { GraphDefinition, TaskDefinition } from '../../../actors/workflow/definition-types.ts';
import { loadDefinitionFiles } from '../../../services/definition-files.ts';

export type StoredKind = 'graph' | 'task';

export interface DefinitionStore {
  save(kind: StoredKind, def: GraphDefinition | TaskDefinition): Promise<void>;
  remove(kind: StoredKind, injectableName: string): Promise<void>;
}

/** `<dataDir>/definitions`: the directory the store writes and the member loads at start. */
export const storedDefinitionsDir = (dataDir: string): string => path.join(dataDir, 'definitions');

const folder: Readonly<Record<StoredKind, string>> = { graph: 'graphs', task: 'tasks' };

/** A file name that is readable when it can be and unique always (names may hold any character). */
function fileName(injectableName: string): string {
  const readable = encodeURIComponent(injectableName).slice(0, 100);
  const hash = createHash('sha256').update(injectableName).digest('hex').slice(0, 16);
  return `${readable}-${hash}.json`;
}

export function fileDefinitionStore(dir: string): DefinitionStore {
  const fileOf = (kind: StoredKind, name: string): string => path.join(dir, folder[kind], fileName(name));
  let serial = 0;
  return {
    async save(kind, def) {
      const file = fileOf(kind, def.injectableName);
      await mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.${++serial}.tmp`;
      await writeFile(temporary, `${JSON.stringify(def, null, 2)}\n`, { mode: 0o640 });
      await rename(temporary, file);
    },
    async remove(kind, injectableName) {
      await rm(fileOf(kind, injectableName), { force: true });
    },
  };
}

/** Loads what the store kept into `library`; nothing when the directory does not exist yet. */
export async function loadStoredDefinitions(dir: string, library: DefinitionLibrary): Promise<number> {
  try {
    if (!(await stat(dir)).isDirectory()) return 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  return (await loadDefinitionFiles(dir, library)).length;
}
