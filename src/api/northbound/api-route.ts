/**
 * One northbound route, declared once: its method and path, who may call it, the JSON schemas of its
 * parameters, query and body, its responses, and its handler. The registry (api-registry.ts) mounts it on
 * express, validates every input against those schemas before the handler runs, enforces its access level,
 * and writes the same declaration into the OpenAPI document — so the document cannot miss a route.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { Request, Response } from 'express';

/**
 * Who may call a route. Roles are RackHD's three (ReadOnly ⊂ Operator ⊂ Administrator); `public` is for
 * what must work before anyone logs in (Redfish service root, session creation, login).
 */
export type Access = 'public' | 'ReadOnly' | 'Operator' | 'Administrator';
export type Role = Exclude<Access, 'public'>;
export const roleRank: Readonly<Record<Role, number>> = { ReadOnly: 1, Operator: 2, Administrator: 3 };

/** Who is calling, once authenticated. */
export interface Principal {
  readonly username: string;
  readonly role: Role;
  /** How they proved it: a token (JWT/Bearer/auth_token), a Redfish session, or Basic credentials. */
  readonly via: 'token' | 'session' | 'basic';
}

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What a handler answers; the registry writes it (JSON unless `raw`). */
export type ApiResult =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> }
  | { readonly status: number; readonly raw: string | Buffer; readonly contentType: string; readonly headers?: Readonly<Record<string, string>> };

export interface ApiInput<P extends TSchema, Q extends TSchema, B extends TSchema> {
  readonly params: Static<P>;
  readonly query: Static<Q>;
  readonly body: Static<B>;
  readonly principal: Principal | undefined;
  readonly req: Request;
  readonly res: Response;
}

export interface ApiRoute<P extends TSchema = TSchema, Q extends TSchema = TSchema, B extends TSchema = TSchema> {
  readonly method: HttpMethod;
  /** OpenAPI-style path below the group's base: `/nodes/{identifier}`. */
  readonly path: string;
  readonly summary: string;
  /** OpenAPI tag (the resource group). */
  readonly tag: string;
  readonly access: Access;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** Largest body accepted (bytes); 1 MiB when left out. */
  readonly maxBodyBytes?: number;
  readonly responses: Readonly<Record<number, { readonly description: string; readonly schema?: TSchema }>>;
  /** `void` when the handler wrote the response itself (a stream, a file). */
  handler(input: ApiInput<P, Q, B>): Promise<ApiResult | void> | ApiResult | void;
}

/**
 * Declares a route with its types inferred from its schemas; in the registry's list the schema types widen
 * to TSchema, after the handler was checked against them here.
 */
export function route<P extends TSchema, Q extends TSchema, B extends TSchema>(r: ApiRoute<P, Q, B>): ApiRoute {
  return r;
}
