/**
 * RackHD's webhook filters (on-core lib/common/hook.js, rackhd.md §6): a hook's `filters` is a list of
 * objects `{payloadKey: regexString}`. The list is OR'ed, the keys of one object are AND'ed, an empty
 * list matches every event, and a key the event does not have fails its filter.
 *
 * Two deliberate differences from RackHD, both written down here: a payload key may be a dotted path
 * into the event (`data.status`), where RackHD only looked at top-level fields; and patterns are checked
 * when the hook is stored, not when the first event arrives: one that does not compile, or whose nested
 * quantifiers could make matching take exponential time (safe-regex2's star-height test), is refused
 * with the field named, because filters run inside this process on every event.
 */
import safeRegex from 'safe-regex2';
import type { DomainEvent } from '../actors/events/event-bus.ts';

export type HookFilter = Readonly<Record<string, string>>;

export interface FilterProblem {
  readonly path: string;
  readonly message: string;
}

export const filterLimits = {
  filters: 50,
  keysPerFilter: 20,
  keyLength: 200,
  patternLength: 1000,
  /** Characters of a value a pattern is tested against: bounds what even a polynomial pattern can cost. */
  subjectLength: 4096,
} as const;

/** Every problem with `filters`, each naming its field as `<where>.<index>.<key>`. */
export function filterProblems(filters: readonly HookFilter[], where = 'body.filters'): FilterProblem[] {
  const problems: FilterProblem[] = [];
  const add = (path: string, message: string): void => {
    problems.push({ path, message: `${path} ${message}` });
  };
  if (filters.length > filterLimits.filters) add(where, `has more than ${filterLimits.filters} filters`);
  filters.forEach((filter, i) => {
    const entries = Object.entries(filter);
    if (entries.length > filterLimits.keysPerFilter) add(`${where}.${i}`, `has more than ${filterLimits.keysPerFilter} keys`);
    for (const [key, pattern] of entries) {
      const path = `${where}.${i}.${key}`;
      if (key.length === 0 || key.length > filterLimits.keyLength || key.split('.').some((part) => part.length === 0)) {
        add(path, `is not a payload key (a field name or dotted path of at most ${filterLimits.keyLength} characters)`);
        continue;
      }
      if (typeof pattern !== 'string') {
        add(path, 'must be a regular expression string');
        continue;
      }
      if (pattern.length > filterLimits.patternLength) {
        add(path, `is longer than ${filterLimits.patternLength} characters`);
        continue;
      }
      try {
        new RegExp(pattern);
      } catch (e) {
        add(path, `is not a valid regular expression: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      if (!safeRegex(pattern)) add(path, 'is a regular expression whose nested quantifiers could take exponential time');
    }
  });
  return problems;
}

/** The value at a dotted path of the event, or undefined when any step is missing. */
export function valueAt(event: DomainEvent, path: string): unknown {
  let v: unknown = event;
  for (const part of path.split('.')) {
    if (typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** What a pattern is tested against: RackHD coerced values to strings (`RegExp#test`); objects as JSON. */
function subjectOf(v: unknown): string {
  const s = typeof v === 'string' ? v : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  return s.length > filterLimits.subjectLength ? s.slice(0, filterLimits.subjectLength) : s;
}

/**
 * The predicate of a hook's filters. Patterns are compiled once here; one that does not compile (stored
 * before validation existed, or by hand) matches nothing, so a broken hook receives nothing rather than
 * everything.
 */
export function compileFilters(filters: readonly HookFilter[]): (event: DomainEvent) => boolean {
  if (filters.length === 0) return () => true;
  const compiled = filters.map((filter) =>
    Object.entries(filter).map(([key, pattern]) => {
      let re: RegExp | undefined;
      try {
        re = new RegExp(pattern);
      } catch {
        re = undefined;
      }
      return { key, re };
    }),
  );
  return (event) =>
    compiled.some((conditions) =>
      conditions.every(({ key, re }) => {
        if (re === undefined) return false;
        const v = valueAt(event, key);
        return v !== undefined && re.test(subjectOf(v));
      }),
    );
}
