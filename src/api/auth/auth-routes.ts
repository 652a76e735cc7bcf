/**
 * RackHD's accounts API (on-http lib/api/2.0/users.js, roles2.0.js, lib/api/login): `/users`, `/roles`
 * and `POST /login`, with RackHD's shapes — a user is `{username, role, privileges}`, a role
 * `{role, privileges}`, a login answers `{token}`.
 *
 * Who may do what: reading users and roles takes any role (RackHD let any authenticated caller read them,
 * and the Redfish PrivilegeRegistry (DSP8011) gives ManagerAccount and Role GET to the Login privilege);
 * changing them takes Administrator, except that anyone may change their own password. The first user
 * may be created without credentials from the loopback address while no user exists (RackHD's localhost
 * exception); it is always an Administrator. Passwords and hashes are never part of an answer. A user with
 * `passwordChangeRequired` (set by an Administrator) logs in, and may then only read and PATCH their own
 * user with a new password (password-change.ts).
 */
import { Type } from '@sinclair/typebox';
import { ForbiddenError, isMonorailError, NotFoundError, UnauthorizedError, ValidationError } from '../../errors.ts';
import { ErrorBody } from '../northbound/api-registry.ts';
import { route, type ApiRoute, type Principal } from '../northbound/api-route.ts';
import type { PasswordLogin, RoleDirectory, RoleView, TokenIssuer, UserDirectory, UserView } from './auth-ports.ts';
import { clientAddress } from './credential-authenticator.ts';
import { LoginThrottledError } from './login-throttle.ts';
import { accountUriFor, PasswordChangeRequiredError } from './password-change.ts';
import { PASSWORD_MAX_LENGTH } from './password-policy.ts';
import { privilegeNames, roleNamePattern } from './roles.ts';

export interface AuthRouteDeps {
  readonly users: UserDirectory & { createFirst(user: { readonly username: string; readonly password: string }): Promise<UserView> };
  readonly roles: RoleDirectory;
  readonly tokens: TokenIssuer;
  readonly logins: PasswordLogin;
  readonly authenticator: { isBootstrap(principal: Principal | undefined): boolean };
}

/** Bodies are small; anything bigger is refused (413) before it is parsed. */
const SMALL_BODY = 4096;

const closed = { additionalProperties: false } as const;
const NoQuery = Type.Object({}, closed);
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH, description: 'At least 8 characters, not the username; never returned.' });
const RoleName = Type.String({ minLength: 1, maxLength: 64, description: 'Administrator, Operator, ReadOnly or a custom role.' });
const Privileges = Type.Array(Type.Union(privilegeNames.map((p) => Type.Literal(p))), { maxItems: privilegeNames.length * 2, uniqueItems: true });
const NameParam = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });

const User = Type.Object(
  { username: Type.String(), role: Type.String(), privileges: Type.Array(Type.String()), passwordChangeRequired: Type.Boolean({ description: 'The user must set a new password before anything else (Monorail; Redfish PasswordChangeRequired).' }) },
  { description: 'A user (RackHD 2.0 view); never the password.' },
);
const MustChange = Type.Boolean({ description: 'Administrator only: the user must set a new password before anything else; a new password clears it.' });
const Role = Type.Object({ role: Type.String(), privileges: Type.Array(Type.String()) }, { description: 'A role and its privileges.' });

const userView = (u: UserView) => ({ username: u.username, role: u.role, privileges: [...u.privileges], passwordChangeRequired: u.passwordChangeRequired === true });
const roleView = (r: RoleView) => ({ role: r.name, privileges: [...r.privileges] });

/** `POST /login`, public: mount it under the REST bases and at the root path, where RackHD has it. */
export function loginRoutes(deps: Pick<AuthRouteDeps, 'tokens' | 'logins'> & { readonly users?: Pick<UserDirectory, 'get'> }): ApiRoute[] {
  return [
    route({
      method: 'post',
      path: '/login',
      summary: 'Log in with a username and password; the token goes in `Authorization: JWT <token>` (or Bearer, or ?auth_token=)',
      tag: 'login',
      access: 'public',
      maxBodyBytes: SMALL_BODY,
      body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 256 }), password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }) }, closed),
      responses: {
        200: {
          description: 'The token; with passwordChangeRequired and a message when the user must set a new password first (PATCH /users/<name>), which is all the token is good for until then',
          schema: Type.Object({ token: Type.String(), passwordChangeRequired: Type.Optional(Type.Literal(true)), message: Type.Optional(Type.String()) }),
        },
        400: { description: 'Bad body', schema: ErrorBody },
        401: { description: 'Wrong username or password', schema: ErrorBody },
        413: { description: 'Body too large', schema: ErrorBody },
        429: { description: 'Too many failed logins for this user or from this address; see Retry-After', schema: ErrorBody },
      },
      async handler({ body, req, res }) {
        let principal: Principal;
        try {
          principal = await deps.logins.login(body.username, body.password, clientAddress(req));
        } catch (e) {
          if (e instanceof LoginThrottledError) res.setHeader('Retry-After', String(e.retryAfterSeconds));
          throw e;
        }
        const { token } = await deps.tokens.issue({ ...principal, via: 'token' });
        if ((await deps.users?.get(principal.username))?.passwordChangeRequired === true) {
          const uri = accountUriFor(req.originalUrl.split('?')[0] ?? '', principal.username);
          return { status: 200, body: { token, passwordChangeRequired: true, message: `the password must be changed before anything else: PATCH ${uri} with {"password": …}` }, headers: { 'Cache-Control': 'no-store' } };
        }
        return { status: 200, body: { token }, headers: { 'Cache-Control': 'no-store' } };
      },
    }),
  ];
}

/** Users, roles and login, for the REST 2.0 group (`/api/2.0`, `/api/current`, `/api/common`). */
export function authRoutes(deps: AuthRouteDeps): ApiRoute[] {
  return [...userRoutes(deps), ...roleRoutes(deps), ...loginRoutes(deps)];
}

function userRoutes(deps: AuthRouteDeps): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/users',
      summary: 'List users',
      tag: 'users',
      access: 'ReadOnly',
      query: NoQuery,
      responses: { 200: { description: 'Every user', schema: Type.Array(User) } },
      async handler() {
        return { status: 200, body: (await deps.users.list()).map(userView) };
      },
    }),
    route({
      method: 'post',
      path: '/users',
      summary: 'Create a user (role ReadOnly unless given). While no user exists, a request from this host needs no credentials and creates an Administrator',
      tag: 'users',
      access: 'Administrator',
      maxBodyBytes: SMALL_BODY,
      body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Password, role: Type.Optional(RoleName), passwordChangeRequired: Type.Optional(MustChange) }, closed),
      responses: {
        201: { description: 'Created', schema: Type.Object({ username: Type.String(), role: Type.String() }) },
        400: { description: 'Bad body, weak password or unknown role', schema: ErrorBody },
        409: { description: 'The username is taken', schema: ErrorBody },
      },
      async handler({ body, principal }) {
        let user: UserView;
        if (deps.authenticator.isBootstrap(principal)) {
          if (body.role !== undefined && body.role !== 'Administrator') {
            throw new ValidationError('the first user must be an Administrator', [{ path: 'body.role', message: 'body.role must be Administrator for the first user' }]);
          }
          try {
            user = await deps.users.createFirst({ username: body.username, password: body.password });
          } catch (e) {
            // Someone created the first user meanwhile: the exception no longer applies.
            if (isMonorailError(e, 'CONFLICT')) throw new UnauthorizedError();
            throw e;
          }
        } else {
          user = await deps.users.create({ username: body.username, password: body.password, role: body.role ?? 'ReadOnly', ...(body.passwordChangeRequired === true ? { passwordChangeRequired: true } : {}) });
        }
        return { status: 201, body: { username: user.username, role: user.role } };
      },
    }),
    route({
      method: 'get',
      path: '/users/{name}',
      summary: 'One user',
      tag: 'users',
      access: 'ReadOnly',
      params: NameParam,
      query: NoQuery,
      responses: { 200: { description: 'The user', schema: User }, 404: { description: 'No such user', schema: ErrorBody } },
      async handler({ params }) {
        const user = await deps.users.get(params.name);
        if (user === undefined) throw new NotFoundError('user', params.name);
        return { status: 200, body: userView(user) };
      },
    }),
    route({
      method: 'patch',
      path: '/users/{name}',
      summary: 'Change a user\'s password, role or passwordChangeRequired. Anyone may change their own password; anything else needs Administrator. A new password ends the user\'s tokens and sessions and clears passwordChangeRequired',
      tag: 'users',
      access: 'ReadOnly',
      params: NameParam,
      maxBodyBytes: SMALL_BODY,
      body: Type.Object({ password: Type.Optional(Password), role: Type.Optional(RoleName), passwordChangeRequired: Type.Optional(MustChange) }, { ...closed, minProperties: 1 }),
      responses: {
        200: { description: 'The user', schema: User },
        400: { description: 'Bad body, weak password or unknown role', schema: ErrorBody },
        403: { description: 'Not an Administrator, and not only one\'s own password; or one\'s password must change and this is not that', schema: ErrorBody },
        404: { description: 'No such user', schema: ErrorBody },
        409: { description: 'It would leave no Administrator', schema: ErrorBody },
      },
      async handler({ params, body, principal, req }) {
        const own = principal !== undefined && principal.username === params.name;
        const adminOnly = body.role !== undefined || body.passwordChangeRequired !== undefined;
        // password-change.ts: a user who must change their password may PATCH only that.
        if (own && (adminOnly || body.password === undefined) && (await deps.users.get(params.name))?.passwordChangeRequired === true) {
          throw new PasswordChangeRequiredError(params.name, accountUriFor(req.originalUrl.split('?')[0] ?? '', params.name));
        }
        if (principal?.role !== 'Administrator' && (!own || adminOnly)) throw new ForbiddenError('Administrator', principal?.role ?? 'anonymous');
        const change = {
          ...(body.password === undefined ? {} : { password: body.password }),
          ...(body.role === undefined ? {} : { role: body.role }),
          ...(body.passwordChangeRequired === undefined ? {} : { passwordChangeRequired: body.passwordChangeRequired }),
        };
        return { status: 200, body: userView(await deps.users.update(params.name, change)) };
      },
    }),
    route({
      method: 'delete',
      path: '/users/{name}',
      summary: 'Delete a user; its tokens and sessions stop working',
      tag: 'users',
      access: 'Administrator',
      params: NameParam,
      responses: {
        204: { description: 'Deleted' },
        404: { description: 'No such user', schema: ErrorBody },
        409: { description: 'The last Administrator', schema: ErrorBody },
      },
      async handler({ params }) {
        if (!(await deps.users.delete(params.name))) throw new NotFoundError('user', params.name);
        return { status: 204 };
      },
    }),
  ];
}

function roleRoutes(deps: AuthRouteDeps): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/roles',
      summary: 'List roles',
      tag: 'roles',
      access: 'ReadOnly',
      query: NoQuery,
      responses: { 200: { description: 'Every role', schema: Type.Array(Role) } },
      async handler() {
        return { status: 200, body: (await deps.roles.list()).map(roleView) };
      },
    }),
    route({
      method: 'post',
      path: '/roles',
      summary: 'Create a custom role; routes place it on an access level by its privileges (ConfigureUsers/ConfigureManager: Administrator; ConfigureComponents/Write: Operator; else ReadOnly; none without Login)',
      tag: 'roles',
      access: 'Administrator',
      maxBodyBytes: SMALL_BODY,
      body: Type.Object({ role: Type.String({ pattern: roleNamePattern }), privileges: Privileges }, closed),
      responses: {
        201: { description: 'Created', schema: Role },
        400: { description: 'Bad body', schema: ErrorBody },
        409: { description: 'The name is taken', schema: ErrorBody },
      },
      async handler({ body }) {
        return { status: 201, body: roleView(await deps.roles.create({ name: body.role, privileges: body.privileges })) };
      },
    }),
    route({
      method: 'get',
      path: '/roles/{name}',
      summary: 'One role',
      tag: 'roles',
      access: 'ReadOnly',
      params: NameParam,
      query: NoQuery,
      responses: { 200: { description: 'The role', schema: Role }, 404: { description: 'No such role', schema: ErrorBody } },
      async handler({ params }) {
        const role = await deps.roles.get(params.name);
        if (role === undefined) throw new NotFoundError('role', params.name);
        return { status: 200, body: roleView(role) };
      },
    }),
    route({
      method: 'patch',
      path: '/roles/{name}',
      summary: 'Replace a custom role\'s privileges (built-in roles cannot be changed)',
      tag: 'roles',
      access: 'Administrator',
      params: NameParam,
      maxBodyBytes: SMALL_BODY,
      body: Type.Object({ privileges: Privileges }, closed),
      responses: {
        200: { description: 'The role', schema: Role },
        400: { description: 'Bad body', schema: ErrorBody },
        404: { description: 'No such role', schema: ErrorBody },
        409: { description: 'A built-in role', schema: ErrorBody },
      },
      async handler({ params, body }) {
        return { status: 200, body: roleView(await deps.roles.update(params.name, { privileges: body.privileges })) };
      },
    }),
    route({
      method: 'delete',
      path: '/roles/{name}',
      summary: 'Delete a custom role no user holds',
      tag: 'roles',
      access: 'Administrator',
      params: NameParam,
      responses: {
        204: { description: 'Deleted' },
        404: { description: 'No such role', schema: ErrorBody },
        409: { description: 'A built-in role, or one a user holds', schema: ErrorBody },
      },
      async handler({ params }) {
        if (!(await deps.roles.delete(params.name))) throw new NotFoundError('role', params.name);
        return { status: 204 };
      },
    }),
  ];
}
