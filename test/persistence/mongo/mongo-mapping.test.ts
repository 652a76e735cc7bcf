import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import {
  compareUtf8,
  escapeRegExp,
  fromStoredDocument,
  prefixFilter,
  toJsonValue,
  toMongoFilter,
  toMongoSort,
  toMongoUpdate,
  toStoredDocument,
} from '../../../src/persistence/mongo/mongo-mapping.ts';

describe('toMongoFilter', () => {
  it('renames a top-level id to _id and keeps its operand', () => {
    expect(toMongoFilter({ id: 'n1' })).toEqual({ _id: 'n1' });
    expect(toMongoFilter({ id: { $in: ['n1', 'n2'] }, type: 'compute' })).toEqual({ _id: { $in: ['n1', 'n2'] }, type: 'compute' });
  });

  it('renames id inside $and, $or and $nor, at any depth', () => {
    const filter = { $or: [{ id: 'a' }, { $and: [{ id: { $ne: 'b' } }, { name: 'x' }] }], $nor: [{ id: 'c' }] };
    expect(toMongoFilter(filter)).toEqual({
      $or: [{ _id: 'a' }, { $and: [{ _id: { $ne: 'b' } }, { name: 'x' }] }],
      $nor: [{ _id: 'c' }],
    });
  });

  it('leaves fields that are merely called id, below the top level, alone', () => {
    const filter = { 'relations.id': 'r1', obms: { $elemMatch: { id: 'o1' } }, tags: { $not: { $size: 0 } } };
    expect(toMongoFilter(filter)).toEqual(filter);
  });

  it('does not modify its input', () => {
    const filter = { $and: [{ id: 'a' }] };
    toMongoFilter(filter);
    expect(filter).toEqual({ $and: [{ id: 'a' }] });
  });
});

describe('toMongoSort', () => {
  it('appends _id ascending as the tie-breaker, keeping the requested order', () => {
    expect(toMongoSort({ type: 1, name: -1 })).toEqual([['type', 1], ['name', -1], ['_id', 1]]);
    expect(toMongoSort(undefined)).toEqual([['_id', 1]]);
  });

  it('maps a sort on id to _id and then needs no tie-breaker', () => {
    expect(toMongoSort({ id: -1 })).toEqual([['_id', -1]]);
  });
});

describe('stored documents', () => {
  it('stores id as _id and reads it back as id, without leaking _id', () => {
    const stored = toStoredDocument({ id: 'n1', name: 'x' } as { id: string }, 'nodes: insert');
    expect(stored).toEqual({ _id: 'n1', name: 'x' });
    expect(stored).not.toHaveProperty('id');
    const back = fromStoredDocument<{ id: string; name: string }>(stored);
    expect(back).toEqual({ id: 'n1', name: 'x' });
    expect(back).not.toHaveProperty('_id');
  });

  it('normalises values through JSON on the way in', () => {
    const doc = { id: 'n1', at: new Date('2024-01-02T03:04:05.000Z'), gone: undefined, nan: Number.NaN };
    expect(toStoredDocument(doc, 'nodes: insert')).toEqual({ _id: 'n1', at: '2024-01-02T03:04:05.000Z', nan: null });
  });

  it('lets _id win over a stray stored id field', () => {
    expect(fromStoredDocument({ _id: 'real', id: 'shadow' })).toEqual({ id: 'real' });
  });
});

describe('toMongoUpdate', () => {
  it('passes the port operators through, JSON-normalising written values', () => {
    const at = new Date('2024-01-02T03:04:05.000Z');
    expect(toMongoUpdate({ $set: { updatedAt: at }, $inc: { version: 1 }, $pull: { tags: 'old' } }, 'w')).toEqual({
      $set: { updatedAt: '2024-01-02T03:04:05.000Z' },
      $inc: { version: 1 },
      $pull: { tags: 'old' },
    });
  });

  it('keeps $pull conditions as they are, since they may hold a RegExp', () => {
    const pull = { tags: { $regex: /^old/ } };
    expect(toMongoUpdate({ $pull: pull }, 'w')['$pull']).toBe(pull);
  });

  it('rejects an update without operators, an unknown operator, and any change to id', () => {
    expect(() => toMongoUpdate({}, 'w')).toThrow(ValidationError);
    expect(() => toMongoUpdate({ $set: undefined }, 'w')).toThrow(ValidationError);
    expect(() => toMongoUpdate({ $rename: { a: 'b' } } as unknown as Parameters<typeof toMongoUpdate>[0], 'w')).toThrow(/unsupported update operator \$rename/);
    expect(() => toMongoUpdate({ $set: { id: 'other' } }, 'w')).toThrow(/immutable id/);
    expect(() => toMongoUpdate({ $unset: { 'id.x': '' } }, 'w')).toThrow(/immutable id/);
  });
});

describe('toJsonValue', () => {
  it('rejects what JSON cannot carry with a ValidationError', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => toJsonValue(undefined, 'payload')).toThrow(ValidationError);
    expect(() => toJsonValue(10n, 'payload')).toThrow(ValidationError);
    expect(() => toJsonValue(cyclic, 'payload')).toThrow(ValidationError);
  });

  it('keeps null and plain JSON as they are', () => {
    expect(toJsonValue(null, 'payload')).toBeNull();
    expect(toJsonValue({ a: [1, 'b', true, null] }, 'payload')).toEqual({ a: [1, 'b', true, null] });
  });
});

describe('prefixFilter', () => {
  it('anchors the prefix and escapes every regex metacharacter', () => {
    const prefix = 'node/a.b*c+d?e(f)[g]{h}|i^j$k\\l-m';
    const { $regex } = prefixFilter(prefix);
    expect($regex.startsWith('^')).toBe(true);
    // JavaScript and PCRE agree on these escapes, so a JS RegExp stands in for the server's engine.
    const regex = new RegExp($regex);
    expect(regex.test(`${prefix}/rest`)).toBe(true);
    expect(regex.test(`x${prefix}`)).toBe(false);
    expect(regex.test('node/aXb')).toBe(false);
  });

  it('matches everything for an empty prefix', () => {
    expect(prefixFilter('')).toEqual({ $regex: '^' });
    expect(escapeRegExp('plain-key')).toBe('plain\\-key');
  });
});

describe('compareUtf8', () => {
  it('orders by UTF-8 bytes, where characters above U+FFFF come after U+E000..U+FFFF', () => {
    const keys = ['\u{1F600}', '\uFF01', 'b', 'a'];
    expect([...keys].sort(compareUtf8)).toEqual(['a', 'b', '\uFF01', '\u{1F600}']);
    // JavaScript's default order puts the surrogate pair first.
    expect([...keys].sort()).toEqual(['a', 'b', '\u{1F600}', '\uFF01']);
  });
});
