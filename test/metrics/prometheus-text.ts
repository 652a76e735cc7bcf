/**
 * A strict reader of Prometheus' text exposition format 0.0.4 (what a Prometheus server parses from
 * /metrics): `# HELP` and `# TYPE` lines, then samples `name{label="value",…} value`. Anything else — a
 * sample of an undeclared family, a bad label escape, a value that is not a number — throws, so a test
 * that scrapes through it also proves the page is readable.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly samples: Sample[];
}

export type Exposition = ReadonlyMap<string, Family>;

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const suffixes: Readonly<Record<string, readonly string[]>> = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

/** Values as Prometheus reads them (Go's strconv.ParseFloat): NaN and ±Inf in any case — prom-client writes `Nan`. */
function parseValue(text: string, line: string): number {
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  const n = Number(text);
  if (text === '' || Number.isNaN(n)) throw new Error(`not a sample value: ${JSON.stringify(text)} in ${JSON.stringify(line)}`);
  return n;
}

function parseLabels(text: string, line: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 0;
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`label without value in ${JSON.stringify(line)}`);
    const name = text.slice(i, eq).trim();
    if (!labelName.test(name)) throw new Error(`bad label name ${JSON.stringify(name)} in ${JSON.stringify(line)}`);
    if (text[eq + 1] !== '"') throw new Error(`unquoted label value in ${JSON.stringify(line)}`);
    let value = '';
    let j = eq + 2;
    for (;; j++) {
      const c = text[j];
      if (c === undefined) throw new Error(`unterminated label value in ${JSON.stringify(line)}`);
      if (c === '"') break;
      if (c === '\\') {
        const e = text[++j];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else throw new Error(`bad escape \\${e ?? ''} in ${JSON.stringify(line)}`);
      } else value += c;
    }
    if (name in labels) throw new Error(`label ${name} twice in ${JSON.stringify(line)}`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`expected , or } after label ${name} in ${JSON.stringify(line)}`);
  }
}

export function parseExposition(text: string): Exposition {
  const families = new Map<string, { name: string; type: string; help: string; samples: Sample[] }>();
  const family = (name: string) => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { name, type: 'untyped', help: '', samples: [] }));
    return f;
  };
  const owner = (sample: string): { name: string; type: string; help: string; samples: Sample[] } => {
    const direct = families.get(sample);
    if (direct !== undefined && direct.type !== 'histogram') return direct;
    for (const [name, f] of families) {
      for (const s of suffixes[f.type] ?? []) if (sample === `${name}${s}`) return f;
    }
    throw new Error(`sample ${sample} belongs to no declared family`);
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m === null) continue; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!metricName.test(name)) throw new Error(`bad metric name ${JSON.stringify(name)}`);
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type ${rest} for ${name}`);
        family(name).type = rest;
      } else family(name).help = rest;
      continue;
    }
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    let name: string;
    let labels: Record<string, string> = {};
    let rest: string;
    if (brace >= 0 && (space < 0 || brace < space)) {
      name = line.slice(0, brace);
      ({ labels, rest } = parseLabels(line.slice(brace + 1), line));
    } else {
      name = line.slice(0, space);
      rest = line.slice(space);
    }
    if (!metricName.test(name)) throw new Error(`bad sample name in ${JSON.stringify(line)}`);
    const parts = rest.trim().split(/\s+/);
    if (parts.length < 1 || parts.length > 2) throw new Error(`bad sample in ${JSON.stringify(line)}`);
    owner(name).samples.push({ name, labels, value: parseValue(parts[0] ?? '', line) });
  }
  return families;
}

/** The sum of the samples named `name` whose labels include `labels` (0 when there are none). */
export function valueOf(exposition: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const f of exposition.values()) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
    }
  }
  return sum;
}

/** The samples named `name` (with their labels), for assertions on which series exist. */
export function samplesOf(exposition: Exposition, name: string): Sample[] {
  return [...exposition.values()].flatMap((f) => f.samples.filter((s) => s.name === name));
}
