/**
 * Keeps a member's definition library in step with the definitions stored through the API, which any member
 * may have written: before a workflow of a graph is planned, the graph's stored copy and those of the tasks it
 * names are read and registered when this member has not registered that version yet. Built-in and
 * `workflows.definitionsDir` definitions are not in the store and are left as they are; a stored one of the
 * same name replaces them, as RackHD's upsert did.
 */
import type { DefinitionDoc } from '../../persistence/collections.ts';
import type { DocumentCollection } from '../../persistence/document-store.ts';
import type { DefinitionLibrary } from './definition-library.ts';

export interface DefinitionSync {
  /**
   * Registers every stored definition this member does not hold in its stored version, and forgets those
   * deleted since (at start, and before the definitions are listed). Returns how many were registered.
   */
  loadAll(): Promise<number>;
  /** Brings `graphName` and the tasks it names up to their stored versions, or forgets it if its stored copy was deleted. */
  refresh(graphName: string): Promise<void>;
}

export function definitionSync(library: DefinitionLibrary, docs: DocumentCollection<DefinitionDoc>, onError: (doc: DefinitionDoc, e: unknown) => void): DefinitionSync {
  // The version of each stored definition this member registered last.
  const registered = new Map<string, string>();
  const register = (doc: DefinitionDoc): boolean => {
    if (registered.get(doc.id) === doc.version) return false;
    try {
      library.register(doc.kind, doc.definition);
      registered.set(doc.id, doc.version);
      return true;
    } catch (e) {
      // Validated when it was stored; one that no longer registers (its base task gone) must not stop the rest.
      onError(doc, e);
      return false;
    }
  };
  const taskNames = (graph: unknown): string[] => {
    const tasks = (graph as { tasks?: unknown }).tasks;
    if (!Array.isArray(tasks)) return [];
    return tasks.flatMap((t: unknown) => (typeof t === 'object' && t !== null && typeof (t as { taskName?: unknown }).taskName === 'string' ? [(t as { taskName: string }).taskName] : []));
  };
  return {
    async loadAll() {
      const all = await docs.find({});
      // Deleted through the API on some member since this one registered them: forgotten here too.
      const present = new Set(all.map((d) => d.id));
      for (const id of [...registered.keys()]) {
        if (present.has(id)) continue;
        const [kind, ...rest] = id.split(':');
        if (kind === 'graph' || kind === 'task') library.remove(kind, rest.join(':'));
        registered.delete(id);
      }
      let n = 0;
      // Tasks before the graphs that name them.
      for (const doc of [...all.filter((d) => d.kind === 'task'), ...all.filter((d) => d.kind === 'graph')]) if (register(doc)) n++;
      return n;
    },
    async refresh(graphName) {
      const graph = await docs.get(`graph:${graphName}`);
      if (graph === undefined) {
        // Stored once and deleted since, through another member: not planned here either.
        if (registered.delete(`graph:${graphName}`)) library.remove('graph', graphName);
        return;
      }
      for (const name of taskNames(graph.definition)) {
        const task = await docs.get(`task:${name}`);
        if (task !== undefined) register(task);
      }
      register(graph);
    },
  };
}
