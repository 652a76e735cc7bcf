/**
 * Where definitions put through the API (`PUT /workflows/graphs`, `PUT /workflows/tasks`) are kept so they
 * survive a restart and reach every member: the shared store's `definitions` collection, which each member
 * loads at start after its built-in definitions (so a stored definition of a built-in's name replaces it, as
 * RackHD's upsert did) and reads again before planning a workflow (src/actors/workflow/definition-sync.ts).
 *
 * Earlier versions kept one JSON file per definition under `<dataDir>/definitions/{graphs,tasks}/`, which only
 * the member that wrote them saw; a member still loads that directory at start, before the store.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { DefinitionLibrary } from '../../../actors/workflow/definition-library.ts';
import type { GraphDefinition, TaskDefinition } from '../../../actors/workflow/definition-types.ts';
import type { DefinitionDoc } from '../../../persistence/collections.ts';
import type { DocumentCollection } from '../../../persistence/document-store.ts';
import { loadDefinitionFiles } from '../../../services/definition-files.ts';

export type StoredKind = 'graph' | 'task';

export interface DefinitionStore {
  save(kind: StoredKind, def: GraphDefinition | TaskDefinition): Promise<void>;
  remove(kind: StoredKind, injectableName: string): Promise<void>;
}

/** `<dataDir>/definitions`: where earlier versions wrote stored definitions; still loaded at start. */
export const storedDefinitionsDir = (dataDir: string): string => path.join(dataDir, 'definitions');

/** The shared store's `definitions` collection; each save a new version every member re-registers. */
export function documentDefinitionStore(docs: DocumentCollection<DefinitionDoc>, now: () => number): DefinitionStore {
  return {
    async save(kind, def) {
      await docs.put({ id: `${kind}:${def.injectableName}`, kind, name: def.injectableName, definition: def, version: randomUUID(), updatedAt: new Date(now()).toISOString() });
    },
    async remove(kind, injectableName) {
      await docs.delete(`${kind}:${injectableName}`);
    },
  };
}

/** Loads the definition files an earlier version kept into `library`; nothing when the directory does not exist. */
export async function loadStoredDefinitions(dir: string, library: DefinitionLibrary): Promise<number> {
  try {
    if (!(await stat(dir)).isDirectory()) return 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  return (await loadDefinitionFiles(dir, library)).length;
}
