/**
 * OData plumbing every Redfish resource shares (DSP0266 §9): `{"@odata.id"}` references and resource
 * collections with `Members` and `Members@odata.count`, the total even when a page is returned with
 * `Members@odata.nextLink` (§9.6, REQ_GET_COLLECTION_COUNT_PROP_TOTAL).
 */
import { odataType } from './schema-files.ts';

export type Json = Record<string, unknown>;

export const ref = (path: string): { '@odata.id': string } => ({ '@odata.id': path });

export const okStatus = (state: 'Enabled' | 'Disabled' | 'Absent' | 'StandbyOffline' = 'Enabled', health: 'OK' | 'Warning' | 'Critical' = 'OK'): Json => ({ State: state, Health: health });

export interface CollectionPage {
  readonly members: readonly string[];
  readonly total: number;
  /** Where the next page starts, when there is one. */
  readonly nextSkip?: number;
  /** The page size asked for, repeated in the next link. */
  readonly top?: number;
}

/** `#XCollection.XCollection` with its members; `namespace` is the collection's schema, e.g. `ComputerSystemCollection`. */
export function collection(path: string, namespace: string, name: string, page: CollectionPage | readonly string[]): Json {
  const p: CollectionPage = isPage(page) ? page : { members: page, total: page.length };
  return {
    '@odata.id': path,
    '@odata.type': odataType(namespace),
    Name: name,
    Members: p.members.map(ref),
    'Members@odata.count': p.total,
    ...(p.nextSkip === undefined ? {} : { 'Members@odata.nextLink': `${path}?$skip=${p.nextSkip}${p.top === undefined ? '' : `&$top=${p.top}`}` }),
  };
}

function isPage(page: CollectionPage | readonly string[]): page is CollectionPage {
  return !Array.isArray(page);
}

/** A Redfish `Id`/URI segment from free text (a DIMM locator, a socket name): letters, digits, `-` and `_` only (DSP0266 §6.1). */
export function idFrom(text: string, fallback: string): string {
  const id = text.trim().replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');
  return id === '' ? fallback : id.slice(0, 64);
}
