import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import type { BulkWriteResult, WriteError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { DuplicateKeyError, ValidationError } from '../../../src/errors.ts';
import {
  isDuplicateKeyError,
  locateDuplicateKey,
  toDuplicateKeyError,
  toUpdateValidationError,
} from '../../../src/persistence/mongo/mongo-errors.ts';

/** What the driver throws for a failed insertOne/replaceOne/findOneAndUpdate: the server's write error, copied. */
function serverError(fields: Record<string, unknown>): MongoServerError {
  return new MongoServerError({ errmsg: 'E11000 duplicate key error', code: 11000, ...fields });
}

/**
 * The driver's WriteError is declared as a class in mongodb.d.ts but not exported at run time, so this
 * stands in for it with the same shape: the server's error under `err`, read through prototype getters.
 */
class DriverWriteError {
  constructor(private readonly err: { index: number; code: number; errmsg: string }) {}
  get code(): number {
    return this.err.code;
  }
  get index(): number {
    return this.err.index;
  }
  get errmsg(): string {
    return this.err.errmsg;
  }
}

function writeError(index: number, code: number): WriteError {
  return new DriverWriteError({ index, code, errmsg: `failed with ${code}` }) as unknown as WriteError;
}

/** What the driver throws for a failed insertMany: one WriteError per failed operation, by batch index. */
function bulkError(failures: { index: number; code: number }[]): MongoBulkWriteError {
  const writeErrors = failures.map(({ index, code }) => writeError(index, code));
  const first = writeErrors[0];
  // The result is only read by getters this code never calls; the driver builds it from the server reply.
  const result = {} as unknown as BulkWriteResult;
  return new MongoBulkWriteError({ message: first?.errmsg ?? 'failed', code: first?.code ?? 0, writeErrors }, result);
}

describe('toDuplicateKeyError', () => {
  it('names the field and value from keyPattern/keyValue (MongoDB 4.4+)', () => {
    const error = serverError({
      errmsg: 'E11000 duplicate key error collection: monorail.lookups index: macAddress_1 dup key: { macAddress: "aa:bb:cc:dd:ee:ff" }',
      keyPattern: { macAddress: 1 },
      keyValue: { macAddress: 'aa:bb:cc:dd:ee:ff' },
    });
    const translated = toDuplicateKeyError('lookups', error);
    expect(translated).toBeInstanceOf(DuplicateKeyError);
    expect(translated).toMatchObject({ collection: 'lookups', field: 'macAddress', value: 'aa:bb:cc:dd:ee:ff', code: 'DUPLICATE_KEY' });
  });

  it('reports the primary key _id as the port field id', () => {
    const error = serverError({ keyPattern: { _id: 1 }, keyValue: { _id: 'n1' } });
    expect(toDuplicateKeyError('nodes', error)).toMatchObject({ field: 'id', value: 'n1' });
  });

  it('falls back to the index name and key in the message of servers before 4.4', () => {
    const modern = serverError({ errmsg: 'E11000 duplicate key error collection: monorail.tags index: name_1 dup key: { name: "rack" }' });
    expect(toDuplicateKeyError('tags', modern)).toMatchObject({ field: 'name', value: 'rack' });
    const legacy = serverError({ errmsg: 'E11000 duplicate key error collection: monorail.nodes index: _id_ dup key: { : "n1" }' });
    expect(toDuplicateKeyError('nodes', legacy)).toMatchObject({ field: 'id', value: 'n1' });
  });

  it('still reports a duplicate when nothing names the key', () => {
    expect(toDuplicateKeyError('tags', serverError({}))).toMatchObject({ field: 'unknown', value: undefined });
  });

  it('leaves every other error alone', () => {
    expect(toDuplicateKeyError('tags', new MongoServerError({ errmsg: 'not primary', code: 10107 }))).toBeUndefined();
    expect(toDuplicateKeyError('tags', new Error('E11000 but not a server error'))).toBeUndefined();
    expect(toDuplicateKeyError('tags', undefined)).toBeUndefined();
  });
});

describe('isDuplicateKeyError', () => {
  it('accepts 11000 and the legacy 11001', () => {
    expect(isDuplicateKeyError(serverError({ code: 11000 }))).toBe(true);
    expect(isDuplicateKeyError(serverError({ code: 11001 }))).toBe(true);
    expect(isDuplicateKeyError(serverError({ code: 112 }))).toBe(false);
  });
});

describe('locateDuplicateKey', () => {
  it('finds the batch position of the first duplicate in an insertMany failure', () => {
    expect(locateDuplicateKey(bulkError([{ index: 2, code: 11000 }]))).toEqual({ index: 2 });
  });

  it('ignores write errors that are not duplicates', () => {
    expect(locateDuplicateKey(bulkError([{ index: 0, code: 121 }]))).toBeUndefined();
  });

  it('gives the key of a command-level duplicate, as insertOne and a transaction report it', () => {
    const keyValue = { persistenceKey: 'node:1', sequenceNumber: 2 };
    const commandError = serverError({ keyPattern: { persistenceKey: 1, sequenceNumber: 1 }, keyValue });
    expect(locateDuplicateKey(commandError)).toEqual({ keyValue });
    // Inside a transaction the server fails the whole insert command; the driver's bulk path wraps that
    // error in a MongoBulkWriteError with no write errors and the command error's fields copied on.
    expect(locateDuplicateKey(new MongoBulkWriteError(commandError, {} as unknown as BulkWriteResult))).toEqual({ keyValue });
  });

  it('still reports a command-level duplicate that names no key', () => {
    expect(locateDuplicateKey(serverError({}))).toEqual({});
  });

  it('accepts a single WriteError as well as a list, as the driver types allow', () => {
    expect(locateDuplicateKey({ writeErrors: writeError(1, 11000) })).toEqual({ index: 1 });
  });

  it('answers undefined for other failures', () => {
    expect(locateDuplicateKey(new Error('connection reset'))).toBeUndefined();
    expect(locateDuplicateKey(null)).toBeUndefined();
  });
});

describe('toUpdateValidationError', () => {
  it('turns the server refusing an update into a ValidationError', () => {
    const error = new MongoServerError({ errmsg: 'Cannot apply $inc to a value of non-numeric type', code: 14, codeName: 'TypeMismatch' });
    const translated = toUpdateValidationError('nodes: update of n1', error);
    expect(translated).toBeInstanceOf(ValidationError);
    expect(translated?.message).toBe('nodes: update of n1: Cannot apply $inc to a value of non-numeric type');
  });

  it('leaves server failures that are not the caller’s fault alone', () => {
    expect(toUpdateValidationError('w', new MongoServerError({ errmsg: 'not primary', code: 10107 }))).toBeUndefined();
    expect(toUpdateValidationError('w', serverError({}))).toBeUndefined();
  });
});
