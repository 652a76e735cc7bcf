/**
 * The `$filter` language of DSP0266 §7.3.4: comparisons of a member's property (a `/`-separated path,
 * `Status/Health`) with a literal (either side), `eq ne gt ge lt le`, combined with `and`, `or`, `not` and parentheses.
 * Literals are single-quoted strings (`''` is a quote inside one), numbers, `true`, `false` and `null`.
 * Precedence, lowest first: `or`, `and`, `not`, a comparison; `not` applies to what follows it, so
 * `not Name eq 'x'` reads `not (Name eq 'x')`.
 *
 * Written here rather than taken from npm: the OData parsers there (@odata/parser, odata-v4-parser) accept
 * all of OData 4's grammar — functions, arithmetic, lambdas, `in`, `has` — which Redfish does not define,
 * so each would need a second pass refusing most of its tree; this grammar is a page long. The parser
 * never throws anything but `FilterParseError` (a fuzz test holds it to that) and bounds its input's length
 * and nesting, so a hostile value costs nothing.
 */

export const MAX_FILTER_LENGTH = 2048;
/** Parentheses and `not`s nested deeper than this are refused (the parser recurses once per level). */
export const MAX_FILTER_DEPTH = 32;

export type Literal = string | number | boolean | null;
export type ComparisonOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type Operand = { readonly kind: 'property'; readonly path: readonly string[] } | { readonly kind: 'literal'; readonly value: Literal };

export type FilterNode =
  | { readonly kind: 'and' | 'or'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'not'; readonly operand: FilterNode }
  | { readonly kind: 'compare'; readonly op: ComparisonOp; readonly left: Operand; readonly right: Operand };

/** A `$filter` value that is not in the grammar; `position` is the offset of the offending character. */
export class FilterParseError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'FilterParseError';
  }
}

type Token =
  | { readonly type: 'word'; readonly text: string; readonly at: number }
  | { readonly type: 'string'; readonly value: string; readonly at: number }
  | { readonly type: 'number'; readonly value: number; readonly at: number }
  | { readonly type: '(' | ')'; readonly at: number };

const COMPARISONS: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const KEYWORDS: ReadonlySet<string> = new Set([...COMPARISONS, 'and', 'or', 'not', 'true', 'false', 'null']);
/** A property path: segments of letters, digits and `_` (a Redfish property name, DSP0266 §9.3), joined by `/`. */
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;
const NUMBER = /^-?(\d+)(\.\d+)?([eE][+-]?\d+)?/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ type: c, at: i });
      i++;
      continue;
    }
    if (c === "'") {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new FilterParseError('unterminated string', start);
        const d = text[i] ?? '';
        if (d === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += d;
        i++;
      }
      tokens.push({ type: 'string', value, at: start });
      continue;
    }
    const number = NUMBER.exec(text.slice(i));
    if (number !== null && (c === '-' || /\d/.test(c))) {
      const value = Number(number[0]);
      if (!Number.isFinite(value)) throw new FilterParseError('number out of range', i);
      tokens.push({ type: 'number', value, at: i });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_/]*/.exec(text.slice(i));
    if (word === null) throw new FilterParseError(`unexpected character ${JSON.stringify(c)}`, i);
    tokens.push({ type: 'word', text: word[0], at: i });
    i += word[0].length;
  }
  return tokens;
}

/** Parses a `$filter` value; throws FilterParseError for anything outside the grammar. */
export function parseFilter(text: string): FilterNode {
  if (text.length > MAX_FILTER_LENGTH) throw new FilterParseError(`longer than ${MAX_FILTER_LENGTH} characters`, MAX_FILTER_LENGTH);
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const at = (): number => peek()?.at ?? text.length;
  const isWord = (t: Token | undefined, w: string): boolean => t?.type === 'word' && t.text === w;

  const orExpr = (depth: number): FilterNode => {
    let left = andExpr(depth);
    while (isWord(peek(), 'or')) {
      pos++;
      left = { kind: 'or', left, right: andExpr(depth) };
    }
    return left;
  };
  const andExpr = (depth: number): FilterNode => {
    let left = unary(depth);
    while (isWord(peek(), 'and')) {
      pos++;
      left = { kind: 'and', left, right: unary(depth) };
    }
    return left;
  };
  const unary = (depth: number): FilterNode => {
    if (depth > MAX_FILTER_DEPTH) throw new FilterParseError(`nested deeper than ${MAX_FILTER_DEPTH}`, at());
    if (isWord(peek(), 'not')) {
      pos++;
      return { kind: 'not', operand: unary(depth + 1) };
    }
    if (peek()?.type === '(') {
      pos++;
      const inner = orExpr(depth + 1);
      if (peek()?.type !== ')') throw new FilterParseError("expected ')'", at());
      pos++;
      return inner;
    }
    return comparison();
  };
  const comparison = (): FilterNode => {
    const start = at();
    const left = operand();
    const t = peek();
    if (t?.type !== 'word' || !COMPARISONS.has(t.text)) throw new FilterParseError('expected a comparison (eq, ne, gt, ge, lt, le)', at());
    pos++;
    const right = operand();
    // A property against a literal, as every comparison of DSP0266 §7.3.4 is: `PowerState eq On` (an enum
    // value left unquoted) would otherwise compare two properties and quietly match nothing useful.
    if ((left.kind === 'property') === (right.kind === 'property')) throw new FilterParseError('a comparison needs one property and one literal', start);
    return { kind: 'compare', op: t.text as ComparisonOp, left, right };
  };
  const operand = (): Operand => {
    const t = peek();
    if (t === undefined) throw new FilterParseError('expected a property or a literal', text.length);
    pos++;
    switch (t.type) {
      case 'string':
      case 'number':
        return { kind: 'literal', value: t.value };
      case 'word':
        if (t.text === 'true' || t.text === 'false') return { kind: 'literal', value: t.text === 'true' };
        if (t.text === 'null') return { kind: 'literal', value: null };
        if (KEYWORDS.has(t.text) || !PATH.test(t.text)) throw new FilterParseError(`${JSON.stringify(t.text)} is not a property path`, t.at);
        return { kind: 'property', path: t.text.split('/') };
      default:
        throw new FilterParseError('expected a property or a literal', t.at);
    }
  };

  if (tokens.length === 0) throw new FilterParseError('empty filter', 0);
  const tree = orExpr(0);
  if (pos < tokens.length) throw new FilterParseError('unexpected text after the expression', at());
  return tree;
}

/** The value at `path` in a resource; undefined when any step is missing or not an object. */
function valueAt(resource: unknown, path: readonly string[]): unknown {
  let v: unknown = resource;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function operandValue(o: Operand, resource: unknown): unknown {
  return o.kind === 'literal' ? o.value : valueAt(resource, o.path);
}

/**
 * Equality of scalars (a missing property equals null, as OData compares an absent value); order only
 * between two numbers or two strings (ISO 8601 dates order as strings). A comparison of anything else —
 * objects, arrays, mixed types — is false, never an error: one odd member does not fail the whole query.
 */
function compare(op: ComparisonOp, a: unknown, b: unknown): boolean {
  const x = a === undefined ? null : a;
  const y = b === undefined ? null : b;
  const scalar = (v: unknown): boolean => v === null || ['string', 'number', 'boolean'].includes(typeof v);
  if (!scalar(x) || !scalar(y)) return false;
  if (op === 'eq') return x === y;
  if (op === 'ne') return x !== y;
  if (!((typeof x === 'number' && typeof y === 'number') || (typeof x === 'string' && typeof y === 'string'))) return false;
  switch (op) {
    case 'gt':
      return x > y;
    case 'ge':
      return x >= y;
    case 'lt':
      return x < y;
    case 'le':
      return x <= y;
  }
}

/** Whether a collection member satisfies the filter. */
export function matchesFilter(node: FilterNode, resource: unknown): boolean {
  switch (node.kind) {
    case 'and':
      return matchesFilter(node.left, resource) && matchesFilter(node.right, resource);
    case 'or':
      return matchesFilter(node.left, resource) || matchesFilter(node.right, resource);
    case 'not':
      return !matchesFilter(node.operand, resource);
    case 'compare':
      return compare(node.op, operandValue(node.left, resource), operandValue(node.right, resource));
  }
}
