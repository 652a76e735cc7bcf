/**
 * `/redfish/v1/SessionService` (DSP0266 §13.3): POST to Sessions (or its `Members`) with `UserName` and
 * `Password` is the one unauthenticated write: it answers 201 with the token in `X-Auth-Token`, the session
 * URI in `Location` and the Session itself; DELETE of that URI logs out. Sessions are the shared
 * SessionService's (src/api/auth), so a REST login and a Redfish one are the same kind of session. A user
 * sees and ends their own sessions; an Administrator (ConfigureManager) everyone's.
 */
import { Type } from '@sinclair/typebox';
import { UnauthorizedError } from '../../../errors.ts';
import type { PasswordLogin, SessionService, SessionView, UserDirectory } from '../../auth/auth-ports.ts';
import { route, type ApiRoute, type Principal } from '../../northbound/api-route.ts';
import { baseMessage } from '../message-registries.ts';
import { collection, okStatus, ref, type Json } from '../odata.ts';
import { accountsPath, sessionServicePath, sessionsPath } from '../paths.ts';
import { fail, RedfishError } from '../redfish-error.ts';
import { IdParam, isAnnotation, objectBody, principalOf, redfishBody } from '../route-kit.ts';
import { odataType } from '../schema-files.ts';

const tag = 'Redfish Sessions';
const SessionParam = IdParam('sessionId', 'The session id.');

export function sessionResource(s: SessionView): Json {
  return {
    '@odata.id': `${sessionsPath}/${s.id}`,
    '@odata.type': odataType('Session'),
    Id: s.id,
    Name: 'User Session',
    UserName: s.username,
    SessionType: 'Redfish',
    CreatedTime: s.createdAt,
    ExpirationTime: s.expiresAt,
    // DSP0266 §13.3.4: the password is never read back; the token is only in the create response's header.
    Password: null,
  };
}

const ownsOrAdmin = (p: Principal, s: SessionView): boolean => p.role === 'Administrator' || p.username === s.username;

export function sessionRoutes(d: { readonly logins: PasswordLogin; readonly sessions: SessionService; readonly sessionTimeoutSeconds: number; readonly users?: Pick<UserDirectory, 'get'> }): ApiRoute[] {
  const login = route({
    method: 'post',
    path: '/SessionService/Sessions',
    summary: 'Log in: 201 with X-Auth-Token and Location',
    tag,
    access: 'public',
    maxBodyBytes: 16 * 1024,
    body: redfishBody('{"UserName", "Password"}', { UserName: Type.String(), Password: Type.String() }),
    responses: { 201: { description: 'The Session; X-Auth-Token and Location headers' }, 400: { description: 'A missing or unknown property' }, 401: { description: 'Wrong user name or password' } },
    async handler({ body, req }) {
      const b = objectBody(body);
      const problems = [];
      for (const field of ['UserName', 'Password']) {
        if (!(field in b)) problems.push(baseMessage('CreateFailedMissingReqProperties', [field], [`/${field}`]));
        else if (typeof b[field] !== 'string') problems.push(baseMessage('PropertyValueTypeError', [field === 'Password' ? '<hidden>' : JSON.stringify(b[field]), field], [`/${field}`]));
      }
      for (const key of Object.keys(b)) {
        if (key !== 'UserName' && key !== 'Password' && key !== 'Context' && !isAnnotation(key)) problems.push(baseMessage('PropertyUnknown', [key], [`/${key}`]));
      }
      if (problems.length > 0) throw new RedfishError(400, problems);
      let principal;
      try {
        // Throttled per user name and per address; a lockout is a 429 (redfish-http.ts).
        principal = await d.logins.login(String(b['UserName']), String(b['Password']), req.socket.remoteAddress ?? '');
      } catch (e) {
        // One answer whichever part was wrong (SEC_NO_PRIV_INFO_IN_MSGS).
        if (e instanceof UnauthorizedError) throw fail(401, 'NoValidSession', [], undefined, { 'WWW-Authenticate': 'Basic realm="Redfish"' });
        throw e;
      }
      const { session, token } = await d.sessions.create(principal);
      const body201 = sessionResource(session);
      // SEC_PWD_CHANGE_REQ_ALLOW_SESSION_LOGIN: the login works and says the password must change, and where.
      const mustChange = (await d.users?.get(principal.username))?.passwordChangeRequired === true;
      const extended = mustChange ? { '@Message.ExtendedInfo': [baseMessage('PasswordChangeRequired', [`${accountsPath}/${principal.username}`])] } : {};
      return { status: 201, body: { ...body201, ...extended }, headers: { 'X-Auth-Token': token, Location: String(body201['@odata.id']) } };
    },
  });
  return [
    route({
      method: 'get',
      path: '/SessionService',
      summary: 'The session service',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'SessionService' } },
      handler: () => ({
        status: 200,
        body: {
          '@odata.id': sessionServicePath,
          '@odata.type': odataType('SessionService'),
          Id: 'SessionService',
          Name: 'Session Service',
          ServiceEnabled: true,
          SessionTimeout: d.sessionTimeoutSeconds,
          Status: okStatus(),
          Sessions: ref(sessionsPath),
        },
      }),
    }),
    route({
      method: 'get',
      path: '/SessionService/Sessions',
      summary: 'Open sessions (one\u2019s own; all for an Administrator)',
      tag,
      access: 'ReadOnly',
      responses: { 200: { description: 'SessionCollection' } },
      async handler({ principal }) {
        const p = principalOf(principal);
        const all = await d.sessions.list();
        return { status: 200, body: collection(sessionsPath, 'SessionCollection', 'Session Collection', all.filter((s) => ownsOrAdmin(p, s)).map((s) => `${sessionsPath}/${s.id}`)) };
      },
    }),
    login,
    // DSP0266 §7.11: a POST to a collection's Members is the same as to the collection.
    { ...login, path: '/SessionService/Sessions/Members', summary: 'Log in (the same as POST to Sessions)' },
    route({
      method: 'get',
      path: '/SessionService/Sessions/{sessionId}',
      summary: 'A session',
      tag,
      access: 'ReadOnly',
      params: SessionParam,
      responses: { 200: { description: 'Session' }, 404: { description: 'No such session' } },
      async handler({ params, principal }) {
        const s = await d.sessions.get(params.sessionId);
        // Another user's session does not exist for a non-administrator: 404 tells nothing.
        if (s === undefined || !ownsOrAdmin(principalOf(principal), s)) throw fail(404, 'ResourceMissingAtURI', [`${sessionsPath}/${params.sessionId}`]);
        return { status: 200, body: sessionResource(s) };
      },
    }),
    route({
      method: 'delete',
      path: '/SessionService/Sessions/{sessionId}',
      summary: 'Log out (end a session)',
      tag,
      access: 'ReadOnly',
      params: SessionParam,
      responses: { 204: { description: 'Ended' }, 404: { description: 'No such session' } },
      async handler({ params, principal }) {
        const s = await d.sessions.get(params.sessionId);
        if (s === undefined || !ownsOrAdmin(principalOf(principal), s)) throw fail(404, 'ResourceMissingAtURI', [`${sessionsPath}/${params.sessionId}`]);
        await d.sessions.delete(s.id);
        return { status: 204 };
      },
    }),
  ];
}
