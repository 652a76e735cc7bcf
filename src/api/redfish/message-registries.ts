/**
 * The DMTF message registries Monorail speaks (DSP8011: Base for errors, TaskEvent and ResourceEvent for
 * events), read from the vendored files once, and the Message objects built from them: `MessageId` as
 * `Prefix.Major.Minor.Key`, the registry's own text with `%n` filled in, its severity and resolution
 * (DSP0266 §8.6, Message.v1_3_0). Nothing here writes a message text by hand, so the texts cannot drift
 * from the registry a client looks them up in.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { vendoredRegistryDir } from './vendored.ts';

export type RegistryPrefix = 'Base' | 'TaskEvent' | 'ResourceEvent';
export const registryPrefixes: readonly RegistryPrefix[] = ['Base', 'TaskEvent', 'ResourceEvent'];

interface RegistryEntry {
  readonly Message: string;
  readonly MessageSeverity: 'OK' | 'Warning' | 'Critical';
  readonly NumberOfArgs: number;
  readonly Resolution: string;
}

export interface MessageRegistry {
  readonly prefix: RegistryPrefix;
  /** `Base.1.22.1` */
  readonly id: string;
  /** `1.22.1` */
  readonly version: string;
  /** The vendored file name, `Base.1.22.1.json`. */
  readonly file: string;
  /** The registry document as published. */
  readonly document: Readonly<Record<string, unknown>>;
  readonly messages: Readonly<Record<string, RegistryEntry>>;
}

/** A Message (Message.v1_3_0) as it goes into `@Message.ExtendedInfo`, a Task's `Messages` or an event. */
export interface RedfishMessage {
  readonly '@odata.type'?: string;
  readonly MessageId: string;
  readonly Message: string;
  readonly MessageArgs: readonly string[];
  readonly MessageSeverity: 'OK' | 'Warning' | 'Critical';
  readonly Resolution: string;
  /** JSON pointers (RFC 6901) into the request body. */
  readonly RelatedProperties?: readonly string[];
}

let loaded: ReadonlyMap<RegistryPrefix, MessageRegistry> | undefined;

/** The registries, by prefix; the newest vendored version of each. */
export function messageRegistries(): ReadonlyMap<RegistryPrefix, MessageRegistry> {
  if (loaded !== undefined) return loaded;
  const out = new Map<RegistryPrefix, MessageRegistry>();
  for (const file of readdirSync(vendoredRegistryDir).filter((f) => f.endsWith('.json')).sort()) {
    const document = JSON.parse(readFileSync(`${vendoredRegistryDir}${file}`, 'utf8')) as Record<string, unknown>;
    const prefix = document['RegistryPrefix'];
    if (typeof prefix !== 'string' || !(registryPrefixes as readonly string[]).includes(prefix)) continue;
    const version = String(document['RegistryVersion']);
    const previous = out.get(prefix as RegistryPrefix);
    if (previous !== undefined && compareVersions(previous.version, version) >= 0) continue;
    out.set(prefix as RegistryPrefix, {
      prefix: prefix as RegistryPrefix,
      id: String(document['Id']),
      version,
      file,
      document,
      messages: document['Messages'] as Record<string, RegistryEntry>,
    });
  }
  for (const prefix of registryPrefixes) if (!out.has(prefix)) throw new Error(`the ${prefix} message registry is missing from ${vendoredRegistryDir}`);
  loaded = out;
  return out;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** `Base.1.22`: what MessageIds start with (DSP0266 §9.5.11: major and minor version only). */
export function registryOf(prefix: RegistryPrefix): string {
  const r = messageRegistries().get(prefix);
  if (r === undefined) throw new Error(`no ${prefix} registry`);
  return `${prefix}.${r.version.split('.').slice(0, 2).join('.')}`;
}

/**
 * The Message for `key` of registry `prefix`, its arguments substituted. Throws for a key the registry does
 * not define or a wrong number of arguments: a programming error, caught by tests.
 */
export function registryMessage(prefix: RegistryPrefix, key: string, args: readonly string[] = [], relatedProperties?: readonly string[]): RedfishMessage {
  const registry = messageRegistries().get(prefix);
  const entry = registry === undefined || !Object.hasOwn(registry.messages, key) ? undefined : registry.messages[key];
  if (entry === undefined) throw new Error(`${prefix} has no message ${key}`);
  if (args.length !== entry.NumberOfArgs) throw new Error(`${prefix}.${key} takes ${entry.NumberOfArgs} arguments, got ${args.length}`);
  return {
    MessageId: `${registryOf(prefix)}.${key}`,
    Message: entry.Message.replace(/%(\d+)/g, (_, n: string) => args[Number(n) - 1] ?? ''),
    MessageArgs: args,
    MessageSeverity: entry.MessageSeverity,
    Resolution: entry.Resolution,
    ...(relatedProperties === undefined ? {} : { RelatedProperties: relatedProperties }),
  };
}

export const baseMessage = (key: string, args: readonly string[] = [], relatedProperties?: readonly string[]): RedfishMessage =>
  registryMessage('Base', key, args, relatedProperties);
