/**
 * Which methods each Redfish URI allows, from the declared routes: the `Allow` header of every GET and
 * HEAD and of a 405 (DSP0266 §8.2, RESP_HEADERS_ALLOW_*), and the 404/405 decision for a request no route
 * matched (REQ_DATA_MOD_NOT_SUPPORTED, PROTO_HTTP_UNSUPPORTED_METHODS).
 */
export interface RouteEntry {
  readonly method: string;
  /** Full OpenAPI-style path: `/redfish/v1/Systems/{id}`. */
  readonly path: string;
}

interface Pattern {
  readonly path: string;
  readonly regex: RegExp;
  readonly methods: Set<string>;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class RouteTable {
  private readonly patterns: Pattern[] = [];

  constructor(entries: readonly RouteEntry[]) {
    for (const e of entries) {
      let p = this.patterns.find((x) => x.path === e.path);
      if (p === undefined) {
        const source = e.path.split(/(\{[A-Za-z0-9_]+\})/).map((part) => (/^\{[A-Za-z0-9_]+\}$/.test(part) ? '([^/]+)' : escape(part))).join('');
        p = { path: e.path, regex: new RegExp(`^${source}/?$`, 'i'), methods: new Set() };
        this.patterns.push(p);
      }
      p.methods.add(e.method.toUpperCase());
      if (e.method.toLowerCase() === 'get') p.methods.add('HEAD');
    }
  }

  /** The methods of the declared path `path` (a pattern), in a stable order. */
  allowOfPattern(path: string): string[] {
    const p = this.patterns.find((x) => x.path === path);
    return p === undefined ? [] : order(p.methods);
  }

  /** The declared path a concrete URI belongs to, and its parameters (the most literal pattern wins). */
  match(uri: string): { readonly path: string; readonly params: Record<string, string> } | undefined {
    const matching = this.patterns.filter((p) => p.regex.test(uri));
    if (matching.length === 0) return undefined;
    const best = matching.reduce((a, b) => (literalLength(b.path) > literalLength(a.path) ? b : a));
    const names = [...best.path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] ?? '');
    const values = best.regex.exec(uri)?.slice(1) ?? [];
    return { path: best.path, params: Object.fromEntries(names.map((n, i) => [n, values[i] ?? ''])) };
  }

  /**
   * The methods a concrete URI allows, when some route's pattern matches it. Literal segments win over
   * parameters (`/Sessions/Members` before `/Sessions/{id}`), as express matches them in that order too.
   */
  allowOf(uri: string): string[] | undefined {
    const matching = this.patterns.filter((p) => p.regex.test(uri));
    if (matching.length === 0) return undefined;
    const best = matching.reduce((a, b) => (literalLength(b.path) > literalLength(a.path) ? b : a));
    return order(best.methods);
  }
}

const literalLength = (path: string): number => path.replace(/\{[A-Za-z0-9_]+\}/g, '').length;

const methodOrder = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const order = (methods: ReadonlySet<string>): string[] => methodOrder.filter((m) => methods.has(m));
