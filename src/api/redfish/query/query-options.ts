/**
 * The query parameters of DSP0266 §7.3 this service supports, read and checked once: `$top`/`$skip`,
 * `$expand` (`*`, `.`, `~`, each with an optional `($levels=n)`), `$select` (property paths), `$filter`
 * (filter-expression.ts) and the valueless `only`. What §7.3 asks of the rest: parameters without `$` that
 * are not ours are ignored; any other `$` parameter (`$orderby`, a bare `$levels`) is 501
 * QueryParameterUnsupported; a value that is not in a parameter's grammar is 400 — QueryParameterValueTypeError
 * when it is not even the right kind of value (a word for a number, a repeated parameter),
 * QueryParameterValueFormatError when it is malformed, QueryParameterOutOfRange when a number is outside
 * what is served — and `only` with any other parameter is 400 QueryCombinationInvalid.
 */
import { fail } from '../redfish-error.ts';
import { FilterParseError, parseFilter, type FilterNode } from './filter-expression.ts';

/** Largest page (`$top`), and the page a collection is served in without `$top`. */
export const TOP_SKIP_MAX = 1000;
/** ProtocolFeaturesSupported.ExpandQuery.MaxLevels. */
export const MAX_EXPAND_LEVELS = 3;

/** Which hyperlinks `$expand` replaces (§7.3.3): all, those outside `Links` (`.`), or those in `Links` (`~`). */
export type ExpandScope = 'all' | 'subordinate' | 'links';

export interface QueryOptions {
  readonly top?: number;
  readonly skip?: number;
  readonly expand?: { readonly scope: ExpandScope; readonly levels: number };
  /** Property paths, each split at `/`. */
  readonly select?: readonly (readonly string[])[];
  readonly filter?: { readonly text: string; readonly tree: FilterNode };
  readonly only: boolean;
}

const SUPPORTED_DOLLAR: ReadonlySet<string> = new Set(['$top', '$skip', '$expand', '$select', '$filter']);
const VALUELESS: ReadonlySet<string> = new Set(['only', 'excerpt']);
const EXPAND = /^([*.~])(?:\(\$levels=([^)]*)\))?$/;
const SELECT_PATH = /^[A-Za-z_][A-Za-z0-9_]*(@odata\.count)?(\/[A-Za-z_][A-Za-z0-9_]*(@odata\.count)?)*$/;
const SCOPES: Readonly<Record<string, ExpandScope>> = { '*': 'all', '.': 'subordinate', '~': 'links' };

const shown = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value) ?? '');

/** Reads and checks the query of a GET; throws the RedfishError §7.3 asks for (see the file comment). */
export function parseQueryOptions(query: Readonly<Record<string, unknown>>): QueryOptions {
  const keys = Object.keys(query);
  for (const key of keys) {
    if (key.startsWith('$') && !SUPPORTED_DOLLAR.has(key)) throw fail(501, 'QueryParameterUnsupported', [key]);
  }
  let options: { -readonly [K in keyof QueryOptions]: QueryOptions[K] } = { only: false };
  for (const key of keys) {
    const value = query[key];
    if (VALUELESS.has(key)) {
      if (value !== '') throw fail(400, 'QueryParameterValueTypeError', [shown(value), key]);
      if (key === 'only') options.only = true;
      continue;
    }
    if (!SUPPORTED_DOLLAR.has(key)) continue;
    // A repeated parameter arrives as an array: not a value any of them takes.
    if (typeof value !== 'string') throw fail(400, 'QueryParameterValueTypeError', [shown(value), key]);
    switch (key) {
      case '$top':
      case '$skip': {
        if (!/^\d{1,9}$/.test(value)) throw fail(400, 'QueryParameterValueTypeError', [value, key]);
        const n = Number(value);
        if (key === '$top' && (n < 1 || n > TOP_SKIP_MAX)) throw fail(400, 'QueryParameterOutOfRange', [value, key, `1-${TOP_SKIP_MAX}`]);
        options = key === '$top' ? { ...options, top: n } : { ...options, skip: n };
        break;
      }
      case '$expand':
        options.expand = parseExpand(value);
        break;
      case '$select':
        options.select = parseSelect(value);
        break;
      case '$filter':
        try {
          options.filter = { text: value, tree: parseFilter(value) };
        } catch (e) {
          if (e instanceof FilterParseError) throw fail(400, 'QueryParameterValueFormatError', [value, key]);
          throw e;
        }
        break;
    }
  }
  // DSP0266 §7.3.2: `only` stands alone.
  if (options.only && keys.some((k) => k !== 'only' && (k.startsWith('$') || VALUELESS.has(k)))) throw fail(400, 'QueryCombinationInvalid');
  return options;
}

function parseExpand(value: string): { scope: ExpandScope; levels: number } {
  const m = EXPAND.exec(value);
  if (m === null) throw fail(400, 'QueryParameterValueFormatError', [value, '$expand']);
  const [, symbol = '*', levelsText] = m;
  const scope = SCOPES[symbol] ?? 'all';
  if (levelsText === undefined) return { scope, levels: 1 };
  if (!/^\d{1,9}$/.test(levelsText)) throw fail(400, 'QueryParameterValueTypeError', [levelsText, '$levels']);
  const levels = Number(levelsText);
  if (levels < 1 || levels > MAX_EXPAND_LEVELS) throw fail(400, 'QueryParameterOutOfRange', [levelsText, '$levels', `1-${MAX_EXPAND_LEVELS}`]);
  return { scope, levels };
}

function parseSelect(value: string): string[][] {
  const items = value.split(',').map((p) => p.trim());
  if (value.length > 2048 || items.length > 100 || items.some((p) => !SELECT_PATH.test(p))) throw fail(400, 'QueryParameterValueFormatError', [value, '$select']);
  return items.map((p) => p.split('/'));
}

/** Whether a query asks anything of a GET beyond the plain resource. */
export const asksForQuery = (o: QueryOptions): boolean =>
  o.only || o.top !== undefined || o.skip !== undefined || o.expand !== undefined || o.select !== undefined || o.filter !== undefined;
