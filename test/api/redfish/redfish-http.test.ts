/** The Accept rules and the translation of every kind of error into a DSP0266 §8.6 error (status and Base message). */
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, MonorailError, NotFoundError, UnauthorizedError, ValidationError, WorkflowConflictError } from '../../../src/errors.ts';
import { acceptsAny, redfishErrorOf } from '../../../src/api/redfish/redfish-http.ts';
import { fail } from '../../../src/api/redfish/redfish-error.ts';

const req = { baseUrl: '/redfish', path: '/v1/Systems/x' } as unknown as Request;
const translate = (e: unknown): [number, string[]] => {
  const t = redfishErrorOf(e, req);
  return [t.status, t.messages.map((m) => m.MessageId.split('.').pop() ?? '')];
};

describe('acceptsAny', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['Application/JSON', true],
    ['*/*', true],
    ['application/*', true],
    ['application/hal+json', true],
    ['text/html, */*;q=0.1', true],
    ['text/html', false],
    ['application/xml', false],
    ['application/json;q=0', false],
    ['application/json;q=abc', false],
    [',,,', true],
    ['', true],
    ['garbage;;;==', false],
  ])('%j → %s', (header, ok) => {
    expect(acceptsAny(header, ['application/json'])).toBe(ok);
  });
});

describe('redfishErrorOf', () => {
  it('maps every error to a status and Base messages', () => {
    expect(translate(fail(405, 'OperationNotAllowed'))).toEqual([405, ['OperationNotAllowed']]);
    expect(translate(new UnauthorizedError())).toEqual([401, ['NoValidSession']]);
    expect(translate(new ForbiddenError('Operator', 'ReadOnly'))).toEqual([403, ['InsufficientPrivilege']]);
    expect(translate(new NotFoundError('node', 'x'))).toEqual([404, ['ResourceMissingAtURI']]);
    expect(redfishErrorOf(new NotFoundError('node', 'x'), req).messages[0]?.MessageArgs).toEqual(['/redfish/v1/Systems/x']);
    expect(translate(new WorkflowConflictError('n', 'w'))).toEqual([409, ['ResourceInUse']]);
    expect(translate(new ConflictError('taken'))).toEqual([409, ['ResourceInUse']]);
    expect(translate(new ValidationError('bad', [{ path: 'body.ResetType', message: 'x' }, { path: 'body.Boot.Mode', message: 'y' }]))).toEqual([400, ['PropertyValueError', 'PropertyValueError']]);
    expect(translate(new ValidationError('bad', [{ path: 'body', message: 'must be object' }]))).toEqual([400, ['UnrecognizedRequestBody']]);
    expect(translate(new ValidationError('bad'))).toEqual([400, ['GeneralError']]);
    expect(translate(new ValidationError('bad', [{ path: 'params.systemId', message: 'too long' }]))).toEqual([404, ['ResourceMissingAtURI']]);
    expect(translate(new MonorailError('UNSUPPORTED_MEDIA_TYPE', 'x'))).toEqual([415, ['HeaderInvalid']]);
    expect(translate(new MonorailError('PAYLOAD_TOO_LARGE', 'x'))).toEqual([413, ['PayloadTooLarge']]);
    expect(translate(new MonorailError('PRECONDITION_FAILED', 'x'))).toEqual([412, ['PreconditionFailed']]);
    const throttled = redfishErrorOf(new MonorailError('TOO_MANY_REQUESTS', 'x', { retryAfterSeconds: 30 }), req);
    expect([throttled.status, throttled.headers['Retry-After'], throttled.messages[0]?.MessageArgs]).toEqual([429, '30', ['30']]);
    expect(translate(new MonorailError('ASK_TIMEOUT', 'x'))).toEqual([503, ['ServiceTemporarilyUnavailable']]);
    expect(translate(new MonorailError('JOURNAL_CORRUPT', 'x'))).toEqual([500, ['InternalError']]);
    expect(translate(Object.assign(new SyntaxError('x'), { type: 'entity.parse.failed', status: 400 }))).toEqual([400, ['MalformedJSON']]);
    expect(translate(Object.assign(new Error('x'), { type: 'entity.too.large', status: 413 }))).toEqual([413, ['PayloadTooLarge']]);
    expect(translate(Object.assign(new Error('x'), { type: 'charset.unsupported', status: 415 }))).toEqual([415, ['HeaderInvalid']]);
    expect(translate(new TypeError('boom'))).toEqual([500, ['InternalError']]);
    expect(translate('a string thrown')).toEqual([500, ['InternalError']]);
    expect(translate(undefined)).toEqual([500, ['InternalError']]);
  });

  it('never puts the fault\u2019s own text in the answer', () => {
    const t = redfishErrorOf(new Error('password=hunter2 at db'), req);
    expect(JSON.stringify(t)).not.toContain('hunter2');
  });
});
