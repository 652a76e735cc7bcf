/**
 * SKU packs (RackHD's `sku-pack-service`): a tarball holding the SKU's `config.json` (RackHD's name;
 * `sku.json` is taken too), at the archive's root or inside one top-level directory, with the directories it
 * names: `httpTemplateRoot` and `httpProfileRoot` (files stored as templates and profiles in the SKU's scope,
 * so the SKU's nodes get them instead of the global ones), `taskRoot` and `workflowRoot` (JSON task and graph
 * definitions, registered as `<injectableName>::<skuId>` with the graph's references to the pack's own tasks
 * renamed likewise, as RackHD did), and `skuConfig` (the values templates read as `sku.*`).
 *
 * Everything is parsed and checked before anything is stored, and what was installed is recorded on the SKU
 * (`pack`), so installing again replaces it and deleting the pack removes exactly that. RackHD's
 * `httpStaticRoot` (files served to the SKU's nodes) is not supported and is reported as ignored.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { validateRules } from '../../../actors/sku/catalog-rule.ts';
import type { GraphDefinition, TaskDefinition } from '../../../actors/workflow/definition-types.ts';
import { ValidationError } from '../../../errors.ts';
import type { SkuDoc } from '../../../persistence/collections.ts';
import { profileId } from '../../southbound/profile-library.ts';
import type { NorthboundPorts } from '../northbound-ports.ts';
import type { DefinitionStore } from './definition-store.ts';

export interface PackConfig {
  readonly name?: string;
  readonly rules?: readonly unknown[];
  readonly skuConfig?: Readonly<Record<string, unknown>>;
  readonly discoveryGraphName?: string;
  readonly discoveryGraphOptions?: Readonly<Record<string, unknown>>;
}

export interface ParsedPack {
  readonly config: PackConfig;
  readonly templates: ReadonlyMap<string, string>;
  readonly profiles: ReadonlyMap<string, string>;
  readonly tasks: readonly TaskDefinition[];
  readonly graphs: readonly GraphDefinition[];
  readonly ignored: readonly string[];
  readonly md5: string;
}

/** What a pack installed, kept on the SKU. */
export interface InstalledPack {
  readonly templates: readonly string[];
  readonly profiles: readonly string[];
  readonly tasks: readonly string[];
  readonly graphs: readonly string[];
  readonly ignored: readonly string[];
  readonly md5: string;
  readonly installedAt: string;
}

const configNames = ['config.json', 'sku.json'];
type RootKey = 'httpTemplateRoot' | 'httpProfileRoot' | 'taskRoot' | 'workflowRoot';
const invalid = (where: string, message: string): ValidationError => new ValidationError(`SKU pack: ${where} ${message}`, [{ path: `pack.${where}`, message: `${where} ${message}` }]);

function json(files: ReadonlyMap<string, Buffer>, name: string): unknown {
  try {
    return JSON.parse((files.get(name) ?? Buffer.alloc(0)).toString('utf8')) as unknown;
  } catch {
    throw invalid(name, 'is not JSON');
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The files directly inside `dir` (RackHD's FileLoader.getAll reads one level), by base name. */
function filesIn(files: ReadonlyMap<string, Buffer>, dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [name, contents] of files) if (path.posix.dirname(name) === dir) out.set(path.posix.basename(name), contents);
  return out;
}

function utf8(where: string, b: Buffer): string {
  const text = b.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(b)) throw invalid(where, 'is not UTF-8 text');
  return text;
}

/** Reads and checks a pack's files; nothing is stored. `skuId` names the scope and the definition suffix. */
export function parsePack(files: ReadonlyMap<string, Buffer>, archive: Buffer, skuId: string): ParsedPack {
  const candidates = [...files.keys()].filter((f) => configNames.includes(path.posix.basename(f)) && f.split('/').length <= 2);
  if (candidates.length !== 1) throw invalid('config.json', candidates.length === 0 ? 'is missing (expected at the root or in one top-level directory)' : 'appears more than once');
  const configFile = candidates[0] ?? '';
  const top = path.posix.dirname(configFile);
  const conf = json(files, configFile);
  if (!isObject(conf)) throw invalid(configFile, 'must hold a JSON object');
  if (conf['name'] !== undefined && (typeof conf['name'] !== 'string' || conf['name'].length === 0 || conf['name'].length > 255)) throw invalid(`${configFile}.name`, 'must be a non-empty string');
  if (conf['rules'] !== undefined) validateRules(conf['rules'], `pack.${configFile}.rules`);
  if (conf['skuConfig'] !== undefined && !isObject(conf['skuConfig'])) throw invalid(`${configFile}.skuConfig`, 'must be an object');
  if (conf['discoveryGraphOptions'] !== undefined && !isObject(conf['discoveryGraphOptions'])) throw invalid(`${configFile}.discoveryGraphOptions`, 'must be an object');
  const dirOf = (key: RootKey): string | undefined => {
    const v = conf[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw invalid(`${configFile}.${key}`, 'must be a directory name');
    const dir = path.posix.normalize(path.posix.join(top, v.replace(/^\/+/, ''))).replace(/\/$/, '');
    if (dir.startsWith('..')) throw invalid(`${configFile}.${key}`, 'leaves the pack');
    if (![...files.keys()].some((f) => f.startsWith(`${dir}/`))) throw invalid(`${configFile}.${key}`, `names ${v}, which the pack does not hold`);
    return dir;
  };
  const texts = (key: 'httpTemplateRoot' | 'httpProfileRoot'): Map<string, string> => {
    const dir = dirOf(key);
    const out = new Map<string, string>();
    if (dir === undefined) return out;
    for (const [name, b] of filesIn(files, dir)) out.set(name, utf8(`${dir}/${name}`, b));
    return out;
  };
  const definitions = (key: 'taskRoot' | 'workflowRoot'): Record<string, unknown>[] => {
    const dir = dirOf(key);
    if (dir === undefined) return [];
    return [...filesIn(files, dir)].map(([name]) => {
      const def = json(files, `${dir}/${name}`);
      if (!isObject(def) || typeof def['injectableName'] !== 'string') throw invalid(`${dir}/${name}`, 'must be a definition with an injectableName');
      return def;
    });
  };
  const suffix = `::${skuId}`;
  const rawTasks = definitions('taskRoot');
  const packTasks = new Set(rawTasks.map((t) => String(t['injectableName'])));
  const tasks = rawTasks.map((t) => ({ ...t, injectableName: `${String(t['injectableName'])}${suffix}` }) as unknown as TaskDefinition);
  const graphs = definitions('workflowRoot').map((g) => {
    const entries = Array.isArray(g['tasks']) ? (g['tasks'] as unknown[]) : [];
    const renamed = entries.map((e) => (isObject(e) && typeof e['taskName'] === 'string' && packTasks.has(e['taskName']) ? { ...e, taskName: `${e['taskName']}${suffix}` } : e));
    return { ...g, injectableName: `${String(g['injectableName'])}${suffix}`, ...(Array.isArray(g['tasks']) ? { tasks: renamed } : {}) } as unknown as GraphDefinition;
  });
  const config: PackConfig = {
    ...(typeof conf['name'] === 'string' ? { name: conf['name'] } : {}),
    ...(Array.isArray(conf['rules']) ? { rules: conf['rules'] as unknown[] } : {}),
    ...(isObject(conf['skuConfig']) ? { skuConfig: conf['skuConfig'] } : {}),
    ...(typeof conf['discoveryGraphName'] === 'string' ? { discoveryGraphName: conf['discoveryGraphName'] } : {}),
    ...(isObject(conf['discoveryGraphOptions']) ? { discoveryGraphOptions: conf['discoveryGraphOptions'] } : {}),
  };
  return {
    config,
    templates: texts('httpTemplateRoot'),
    profiles: texts('httpProfileRoot'),
    tasks,
    graphs,
    ignored: conf['httpStaticRoot'] === undefined ? [] : ['httpStaticRoot'],
    md5: createHash('md5').update(archive).digest('hex'),
  };
}

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** Removes what `pack` installed for `skuId` (documents and definitions); missing pieces are skipped. */
export async function uninstallPack(ports: NorthboundPorts, store: DefinitionStore, skuId: string, pack: InstalledPack): Promise<void> {
  const library = ports.workflows.library;
  for (const name of pack.templates) await ports.documents.collection('templates').delete(profileId(name, skuId));
  for (const name of pack.profiles) await ports.documents.collection('profiles').delete(profileId(name, skuId));
  // Graphs before tasks: a task is not removed from under a graph that uses it.
  for (const name of pack.graphs) {
    library.remove('graph', name);
    await store.remove('graph', name);
  }
  for (const name of pack.tasks) {
    library.remove('task', name);
    await store.remove('task', name);
  }
}

/**
 * Stores a parsed pack for `sku`: definitions first (the library checks each one, and a failure removes what
 * this call registered), then templates and profiles. Answers what was installed.
 */
export async function installPack(ports: NorthboundPorts, store: DefinitionStore, sku: SkuDoc, pack: ParsedPack): Promise<InstalledPack> {
  const library = ports.workflows.library;
  const done: InstalledPack = { templates: [], profiles: [], tasks: [], graphs: [], ignored: pack.ignored, md5: pack.md5, installedAt: new Date(ports.now()).toISOString() };
  const tasks: string[] = [];
  const graphs: string[] = [];
  try {
    for (const [kind, defs, names] of [['task', pack.tasks, tasks], ['graph', pack.graphs, graphs]] as const) {
      for (const def of defs) {
        try {
          const stored = library.register(kind, def);
          names.push(stored.injectableName);
          await store.save(kind, stored);
        } catch (e) {
          if (e instanceof ValidationError) throw new ValidationError(`SKU pack ${kind} ${def.injectableName}: ${e.message}`, e.errors.map((p) => ({ path: `pack.${kind}.${p.path}`, message: p.message })));
          throw e;
        }
      }
    }
  } catch (e) {
    await uninstallPack(ports, store, sku.id, { ...done, tasks, graphs });
    throw e;
  }
  const at = new Date(ports.now()).toISOString();
  for (const [kind, sources] of [['templates', pack.templates], ['profiles', pack.profiles]] as const) {
    for (const [name, contents] of sources) {
      await ports.documents.collection(kind).put({ id: profileId(name, sku.id), name, scope: sku.id, contents, source: 'sku-pack', hash: md5(contents), updatedAt: at });
    }
  }
  return { ...done, templates: [...pack.templates.keys()], profiles: [...pack.profiles.keys()], tasks, graphs };
}
