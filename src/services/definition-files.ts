/**
 * Loading RackHD-format definitions from a directory at start (RackHD loaded its task and graph files
 * into Mongo at boot, rackhd.md §4.1). Every `*.json` file below the directory holds one definition or an
 * array of them; the kind is read from the shape (`runJob` → base task, `implementsTask` → task, `tasks`
 * → graph) and they are registered in RackHD's order: base tasks, tasks, graphs. A bad file is an error
 * naming the file and the field, and the member does not start with half its definitions.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DefinitionLibrary } from '../actors/workflow/definition-library.ts';
import type { DefinitionKind } from '../actors/workflow/definition-types.ts';
import { MonorailError, ValidationError } from '../errors.ts';

async function jsonFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await jsonFiles(full)));
    else if (entry.isFile() && entry.name.endsWith('.json')) out.push(full);
  }
  return out.sort();
}

function kindOf(def: unknown): DefinitionKind | undefined {
  if (typeof def !== 'object' || def === null) return undefined;
  if ('runJob' in def) return 'baseTask';
  if ('implementsTask' in def) return 'task';
  if ('tasks' in def) return 'graph';
  return undefined;
}

export async function loadDefinitionFiles(dir: string, library: DefinitionLibrary): Promise<{ readonly file: string; readonly name: string; readonly kind: DefinitionKind }[]> {
  const found: { file: string; def: unknown; kind: DefinitionKind }[] = [];
  for (const file of await jsonFiles(dir)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    } catch (e) {
      throw new ValidationError(`${file}: not JSON (${(e as Error).message})`, [{ path: file, message: 'not JSON' }]);
    }
    for (const def of Array.isArray(parsed) ? parsed : [parsed]) {
      const kind = kindOf(def);
      if (kind === undefined) throw new ValidationError(`${file}: not a base task (runJob), task (implementsTask) or graph (tasks)`, [{ path: file, message: 'unknown definition kind' }]);
      found.push({ file, def, kind });
    }
  }
  const order: readonly DefinitionKind[] = ['baseTask', 'task', 'graph'];
  const loaded: { file: string; name: string; kind: DefinitionKind }[] = [];
  for (const kind of order) {
    for (const f of found.filter((x) => x.kind === kind)) {
      try {
        const def = library.register(kind, f.def);
        loaded.push({ file: f.file, name: def.injectableName, kind });
      } catch (e) {
        if (e instanceof MonorailError) throw new ValidationError(`${f.file}: ${e.message}`, e instanceof ValidationError ? e.errors : []);
        throw e;
      }
    }
  }
  return loaded;
}
