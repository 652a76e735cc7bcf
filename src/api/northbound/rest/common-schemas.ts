/**
 * Schemas the REST 2.0 routes share: path parameters, RackHD's workflow action body, and query objects.
 * A route that takes query parameters declares them closed, so a misspelt filter is a 400 naming it rather
 * than an unfiltered answer; `auth_token` is always allowed there because RackHD clients may send their token
 * in the query instead of the Authorization header. Routes without parameters declare no query.
 */
import { Type, type TProperties } from '@sinclair/typebox';
import { PagingQuery } from '../paging.ts';

const AuthQuery = {
  auth_token: Type.Optional(Type.String({ maxLength: 8192, description: 'A login token, for clients that cannot set the Authorization header (RackHD).' })),
};

/** A closed query object with `auth_token` and the given parameters. */
export function query<P extends TProperties>(properties: P) {
  return Type.Object({ ...AuthQuery, ...properties }, { additionalProperties: false });
}

/** A closed query object with RackHD's `$skip`/`$top` paging, `auth_token` and the given filters. */
export function pagedQuery<P extends TProperties>(properties: P) {
  return query({ ...PagingQuery, ...properties });
}

const text = (description: string, maxLength = 200) => Type.String({ minLength: 1, maxLength, description });

export const IdentifierParams = Type.Object({ identifier: text('Node id, or any of its identifiers (a MAC address, a serial).') });
export const IdParams = Type.Object({ id: text('The resource id.') });
export const NameParams = Type.Object({ name: text('The resource name.', 255) });
export const InjectableNameParams = Type.Object({ injectableName: text('The definition\'s injectableName.', 255) });

/** RackHD's `action` body (`PUT …/workflows/action`, `PUT /workflows/{id}/action`): only `cancel` exists. */
export const ActionBody = Type.Object(
  {
    command: Type.Literal('cancel', { description: 'The action; RackHD defines only cancel.' }),
    options: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Action options (ignored for cancel).' })),
  },
  { additionalProperties: false, title: 'workflow.2.0.action' },
);

/** Any JSON object (a resource as shown). */
export const AnyObject = Type.Object({}, { additionalProperties: true });

/** A boolean query flag as RackHD clients send it: `true`/`false` (coerced by the registry). */
export const BooleanFlag = (description: string) => Type.Optional(Type.Boolean({ description }));

/**
 * A string that must be one of `values`, as one JSON-schema `enum` (a union of literals would report one
 * error per literal for a single bad value).
 */
export function stringEnum<const T extends readonly string[]>(values: T, options: { readonly description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}
