/**
 * PasswordChangeRequired over real HTTP with the real auth stack (scrypt users on a real embedded store,
 * sessions, tokens, Basic) and both northbound faces of it mounted as the member mounts them: RackHD's
 * `/api/2.0/users` and `/login`, and Redfish's SessionService and AccountService with the Redfish HTTP
 * rules. The four DMTF assertions (SEC_PWD_CHANGE_REQ_*, protocol-assertions.txt) are named tests; the REST
 * API is held to the same rule.
 */
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAuth, type Auth } from '../../../src/api/auth/auth-service.ts';
import { authRoutes, loginRoutes } from '../../../src/api/auth/auth-routes.ts';
import { allowedWhilePasswordChangeRequired } from '../../../src/api/auth/password-change.ts';
import { errorHandler } from '../../../src/api/error-handler.ts';
import { ApiRegistry, type RouteGroup } from '../../../src/api/northbound/api-registry.ts';
import { accountRoutes } from '../../../src/api/redfish/accounts/account-routes.ts';
import { sessionRoutes } from '../../../src/api/redfish/accounts/session-routes.ts';
import { ROOT } from '../../../src/api/redfish/paths.ts';
import { redfishHttp } from '../../../src/api/redfish/redfish-http.ts';
import { tableOf, withRedfishHeaders } from '../../../src/api/redfish/redfish-routes.ts';
import { redfishVersionRoutes, serviceRootRoutes } from '../../../src/api/redfish/service-root-routes.ts';
import { loadConfig } from '../../../src/config/load-config.ts';
import type { Store } from '../../../src/persistence/store.ts';
import { tempStore, type TempStore } from '../../support/temp-store.ts';
import { captureLog } from '../../support/test-logger.ts';
import { REST_BASES } from './auth-harness.ts';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ADMIN = basic('admin', 'admin-secret-1');

let temp: TempStore;
let store: Store;
let auth: Auth;
let app: express.Express;

interface RedfishErrorBody {
  readonly error: { readonly code: string; readonly '@Message.ExtendedInfo': readonly { MessageId: string; MessageArgs: readonly string[] }[] };
}
const redfishError = (res: { body: unknown }) => (res.body as RedfishErrorBody).error;
const accountUri = (name: string) => `/redfish/v1/AccountService/Accounts/${name}`;

beforeAll(async () => {
  temp = tempStore('monorail-pwchange-');
  const config = loadConfig({
    layers: [{ memberId: 'test', dataDir: temp.dir, store: { path: temp.dir }, auth: { passwordHashCost: 12, allowBasicOverHttp: true, initialAdmin: { username: 'admin', password: 'admin-secret-1' } } }],
  });
  store = await temp.open();
  const { log } = captureLog();
  auth = await openAuth({ documents: store.documents, config, log });
  const groups: RouteGroup[] = [
    { name: 'redfish-version', bases: ['/redfish'], routes: withRedfishHeaders(redfishVersionRoutes(), '/redfish') },
    {
      name: 'redfish',
      bases: [ROOT],
      routes: withRedfishHeaders(
        [
          ...serviceRootRoutes({ serviceUuid: '00000000-0000-5000-8000-000000000001', version: 'test' }),
          ...sessionRoutes({ logins: auth.logins, sessions: auth.sessions, sessionTimeoutSeconds: 1800, users: auth.users }),
          ...accountRoutes(auth.users, auth.roles),
        ],
        ROOT,
      ),
    },
  ];
  const http = redfishHttp({ table: tableOf(groups), log, authenticator: auth.authenticator });
  const registry = new ApiRegistry({ authenticator: auth.authenticator, log });
  registry.add({ name: 'rest', bases: REST_BASES, routes: authRoutes(auth) });
  registry.add({ name: 'root', bases: [''], routes: loginRoutes(auth) });
  for (const g of groups) registry.add(g);
  app = express();
  app.set('query parser', 'simple');
  app.use('/redfish', http.before);
  registry.mount(app);
  app.use('/redfish', http.notFound);
  app.use(http.errors);
  app.use(errorHandler(log));
});
afterAll(async () => {
  await store?.close();
  temp?.cleanup();
});

/** A Redfish account made by the Administrator with PasswordChangeRequired set. */
async function mustChangeAccount(name: string, password: string): Promise<void> {
  const res = await request(app).post('/redfish/v1/AccountService/Accounts').set('Authorization', ADMIN).send({ UserName: name, Password: password, RoleId: 'Operator', PasswordChangeRequired: true });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ PasswordChangeRequired: true });
}

describe('the initial Administrator', () => {
  it('given its password in configuration by the operator, needs no change (docs/rest-api-notes.md)', async () => {
    expect((await auth.users.get('admin'))?.passwordChangeRequired).toBe(false);
    expect((await request(app).get(accountUri('admin')).set('Authorization', ADMIN)).body).toMatchObject({ PasswordChangeRequired: false });
  });
});

describe('Redfish (DSP0266 §13.3.7)', () => {
  it('SEC_PWD_CHANGE_REQ_ALLOW_SESSION_LOGIN: the session login works and carries the PasswordChangeRequired message', async () => {
    await mustChangeAccount('newop', 'initial-secret-1');
    const login = await request(app).post('/redfish/v1/SessionService/Sessions').send({ UserName: 'newop', Password: 'initial-secret-1' });
    expect(login.status).toBe(201);
    expect(login.headers['x-auth-token']).toBeDefined();
    expect(login.headers['location']).toMatch(/^\/redfish\/v1\/SessionService\/Sessions\//);
    expect((login.body as Record<string, unknown>)['@Message.ExtendedInfo']).toEqual([
      expect.objectContaining({ MessageId: 'Base.1.22.PasswordChangeRequired', MessageArgs: [accountUri('newop')], MessageSeverity: 'Critical' }),
    ]);
    // An account without the flag logs in without the message.
    const plain = await request(app).post('/redfish/v1/SessionService/Sessions').send({ UserName: 'admin', Password: 'admin-secret-1' });
    expect((plain.body as Record<string, unknown>)['@Message.ExtendedInfo']).toBeUndefined();
  });

  it('SEC_PWD_CHANGE_REQ_ALLOW_GET_ACCOUNT: the account itself can be read, by session and by Basic', async () => {
    const token = String((await request(app).post('/redfish/v1/SessionService/Sessions').send({ UserName: 'newop', Password: 'initial-secret-1' })).headers['x-auth-token']);
    const bySession = await request(app).get(accountUri('newop')).set('X-Auth-Token', token);
    expect(bySession.status).toBe(200);
    expect(bySession.body).toMatchObject({ UserName: 'newop', PasswordChangeRequired: true });
    expect(bySession.headers['etag']).toMatch(/^W\//);
    expect((await request(app).get(`${accountUri('newop')}/`).set('Authorization', basic('newop', 'initial-secret-1'))).status).toBe(200);
    // The documents anyone may read stay readable with these credentials.
    for (const uri of ['/redfish', '/redfish/v1/', '/redfish/v1', '/redfish/v1/odata', '/redfish/v1/$metadata']) {
      expect((await request(app).get(uri).set('X-Auth-Token', token)).status, uri).toBe(200);
    }
  });

  it('SEC_PWD_CHANGE_REQ_DISALLOW_ALL_OTHERS: everything else is 403 with the PasswordChangeRequired message naming the account', async () => {
    const login = await request(app).post('/redfish/v1/SessionService/Sessions').send({ UserName: 'newop', Password: 'initial-secret-1' });
    const token = String(login.headers['x-auth-token']);
    const adminSession = String((await request(app).post('/redfish/v1/SessionService/Sessions').send({ UserName: 'admin', Password: 'admin-secret-1' })).headers['location']);
    const refused: readonly (readonly [string, string, unknown?])[] = [
      ['get', '/redfish/v1/AccountService'],
      ['get', '/redfish/v1/AccountService/Accounts'],
      ['get', accountUri('admin')],
      ['get', '/redfish/v1/SessionService/Sessions'],
      ['get', String(login.headers['location'])],
      ['get', '/redfish/v1/NoSuchThing'],
      ['get', '/redfish/v1/AccountService/Roles?$expand=.'],
      ['post', '/redfish/v1/AccountService/Accounts', { UserName: 'sneaky', Password: 'sneaky-secret-1', RoleId: 'Administrator' }],
      ['delete', adminSession],
      ['patch', accountUri('newop'), { RoleId: 'Administrator' }],
      ['patch', accountUri('newop'), { Password: 'another-secret-9', RoleId: 'Administrator' }],
      ['patch', accountUri('newop'), { PasswordChangeRequired: false }],
      ['patch', accountUri('admin'), { Password: 'taken-over-secret' }],
    ];
    for (const [method, uri, body] of refused) {
      for (const credential of [{ 'X-Auth-Token': token }, { Authorization: basic('newop', 'initial-secret-1') }]) {
        const res = body === undefined ? await request(app)[method as 'get' | 'delete'](uri).set(credential) : await request(app)[method as 'post' | 'patch'](uri).set(credential).send(body as object);
        const what = `${method} ${uri} ${Object.keys(credential)[0] ?? ''}`;
        expect(res.status, what).toBe(403);
        expect(redfishError(res)['@Message.ExtendedInfo'], what).toEqual([expect.objectContaining({ MessageId: 'Base.1.22.PasswordChangeRequired', MessageArgs: [accountUri('newop')] })]);
        expect(res.headers['www-authenticate'], what).toBeUndefined();
      }
    }
    // Nothing was changed or created on the way.
    expect(await auth.users.get('sneaky')).toBeUndefined();
    expect((await auth.users.get('newop'))?.role).toBe('Operator');
    expect((await request(app).get(adminSession).set('Authorization', ADMIN)).status).toBe(200);
    // One's own session can be ended (a client logging out).
    expect((await request(app).delete(String(login.headers['location'])).set('X-Auth-Token', token)).status).toBe(204);
  });

  it('SEC_PWD_CHANGE_REQ_ALLOW_PATCH_PASSWORD: a PATCH of Password is allowed, must change it, and clears PasswordChangeRequired', async () => {
    const token = String((await request(app).post('/redfish/v1/SessionService/Sessions').send({ UserName: 'newop', Password: 'initial-secret-1' })).headers['x-auth-token']);
    const same = await request(app).patch(accountUri('newop')).set('X-Auth-Token', token).send({ Password: 'initial-secret-1' });
    expect(same.status).toBe(400);
    expect(redfishError(same)['@Message.ExtendedInfo']).toEqual([expect.objectContaining({ MessageId: 'Base.1.22.PasswordReuseTooRecent' })]);
    const changed = await request(app).patch(accountUri('newop')).set('X-Auth-Token', token).send({ Password: 'chosen-secret-22' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ PasswordChangeRequired: false });
    expect((await auth.users.get('newop'))?.passwordChangeRequired).toBe(false);
    // A new password ends the old sessions (src/api/auth); the new credentials reach everything their role allows.
    expect((await request(app).get('/redfish/v1/SessionService').set('X-Auth-Token', token)).status).toBe(401);
    expect((await request(app).get('/redfish/v1/SessionService').set('Authorization', basic('newop', 'chosen-secret-22'))).status).toBe(200);
    const login = await request(app).post('/redfish/v1/SessionService/Sessions').send({ UserName: 'newop', Password: 'chosen-secret-22' });
    expect((login.body as Record<string, unknown>)['@Message.ExtendedInfo']).toBeUndefined();
  });

  it('only an Administrator sets the flag; setting it with a new password (a reset) keeps it set', async () => {
    await request(app).post('/redfish/v1/AccountService/Accounts').set('Authorization', ADMIN).send({ UserName: 'rosa', Password: 'rosa-secret-11', RoleId: 'ReadOnly' });
    const self = await request(app).patch(accountUri('rosa')).set('Authorization', basic('rosa', 'rosa-secret-11')).send({ PasswordChangeRequired: true });
    expect(self.status).toBe(403);
    expect(redfishError(self).code).toBe('Base.1.22.InsufficientPrivilege');
    const bad = await request(app).patch(accountUri('rosa')).set('Authorization', ADMIN).send({ PasswordChangeRequired: 'yes' });
    expect(bad.status).toBe(400);
    expect(redfishError(bad)['@Message.ExtendedInfo']).toEqual([expect.objectContaining({ MessageId: 'Base.1.22.PropertyValueTypeError' })]);
    const reset = await request(app).patch(accountUri('rosa')).set('Authorization', ADMIN).send({ Password: 'temporary-secret-1', PasswordChangeRequired: true });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ PasswordChangeRequired: true });
    expect((await request(app).get('/redfish/v1/AccountService').set('Authorization', basic('rosa', 'temporary-secret-1'))).status).toBe(403);
    expect((await request(app).patch(accountUri('rosa')).set('Authorization', ADMIN).send({ PasswordChangeRequired: false })).body).toMatchObject({ PasswordChangeRequired: false });
    expect((await request(app).get('/redfish/v1/AccountService').set('Authorization', basic('rosa', 'temporary-secret-1'))).status).toBe(200);
  });
});

describe('the REST API (/api/2.0/users, /login)', () => {
  it('logs in with a token that says the password must change, refuses everything else with 403 and a clear message, and a new password clears it', async () => {
    const created = await request(app).post('/api/2.0/users').set('Authorization', ADMIN).send({ username: 'tess', password: 'tess-initial-1', role: 'Operator', passwordChangeRequired: true });
    expect(created.status).toBe(201);
    const login = await request(app).post('/api/2.0/login').send({ username: 'tess', password: 'tess-initial-1' });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ token: expect.any(String) as string, passwordChangeRequired: true, message: 'the password must be changed before anything else: PATCH /api/2.0/users/tess with {"password": …}' });
    const jwt = `JWT ${(login.body as { token: string }).token}`;
    const list = await request(app).get('/api/current/users').set('Authorization', jwt);
    expect(list.status).toBe(403);
    expect(list.body).toEqual({ status: 403, message: 'the password of tess must be changed before anything else: PATCH /api/current/users/tess with a new password' });
    expect((await request(app).get('/api/2.0/roles').set('Authorization', basic('tess', 'tess-initial-1'))).status).toBe(403);
    expect((await request(app).get('/api/2.0/users/admin').set('Authorization', jwt)).status).toBe(403);
    const own = await request(app).get('/api/2.0/users/tess').set('Authorization', jwt);
    expect([own.status, (own.body as { passwordChangeRequired: boolean }).passwordChangeRequired]).toEqual([200, true]);
    for (const body of [{ role: 'Administrator' }, { password: 'tess-chosen-22', role: 'Administrator' }, { passwordChangeRequired: false }]) {
      const res = await request(app).patch('/api/2.0/users/tess').set('Authorization', jwt).send(body);
      expect(res.status, JSON.stringify(body)).toBe(403);
    }
    expect((await request(app).patch('/api/2.0/users/tess').set('Authorization', jwt).send({ password: 'tess-initial-1' })).status).toBe(400);
    const changed = await request(app).patch('/api/2.0/users/tess').set('Authorization', jwt).send({ password: 'tess-chosen-22' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ username: 'tess', role: 'Operator', passwordChangeRequired: false });
    const again = await request(app).post('/login').send({ username: 'tess', password: 'tess-chosen-22' });
    expect(Object.keys(again.body as object)).toEqual(['token']);
    expect((await request(app).get('/api/2.0/users').set('Authorization', `JWT ${(again.body as { token: string }).token}`)).status).toBe(200);
  });

  it('lets only an Administrator set the flag', async () => {
    await request(app).post('/api/2.0/users').set('Authorization', ADMIN).send({ username: 'ulla', password: 'ulla-secret-11', role: 'ReadOnly' });
    expect((await request(app).patch('/api/2.0/users/ulla').set('Authorization', basic('ulla', 'ulla-secret-11')).send({ passwordChangeRequired: true })).status).toBe(403);
    const set = await request(app).patch('/api/2.0/users/ulla').set('Authorization', ADMIN).send({ passwordChangeRequired: true });
    expect(set.body).toMatchObject({ passwordChangeRequired: true });
    expect((await request(app).patch('/api/2.0/users/ulla').set('Authorization', ADMIN).send({ passwordChangeRequired: 'no' })).status).toBe(400);
  });
});

describe('allowedWhilePasswordChangeRequired', () => {
  const never = () => Promise.resolve(false);
  it('allows only the way to a new password, for that user exactly', async () => {
    const allowed = async (method: string, path: string, owns = never) => allowedWhilePasswordChangeRequired(method, path, 'Kim.x', owns);
    expect(await allowed('GET', '/redfish/v1/AccountService/Accounts/Kim.x')).toBe(true);
    expect(await allowed('PATCH', '/api/common/users/Kim.x/')).toBe(true);
    expect(await allowed('GET', '/redfish/v1/AccountService/Accounts/kim.x')).toBe(false);
    expect(await allowed('GET', '/redfish/v1/AccountService/Accounts/KimAx')).toBe(false);
    expect(await allowed('DELETE', '/redfish/v1/AccountService/Accounts/Kim.x')).toBe(false);
    expect(await allowed('POST', '/login')).toBe(true);
    expect(await allowed('POST', '/api/2.0/login')).toBe(true);
    expect(await allowed('POST', '/redfish/v1/SessionService/Sessions/Members')).toBe(true);
    expect(await allowed('GET', '/redfish/v1/SessionService/Sessions')).toBe(false);
    expect(await allowed('DELETE', '/redfish/v1/SessionService/Sessions/abc', () => Promise.resolve(true))).toBe(true);
    expect(await allowed('DELETE', '/redfish/v1/SessionService/Sessions/abc')).toBe(false);
    expect(await allowed('HEAD', '/redfish/v1/$metadata')).toBe(true);
    expect(await allowed('POST', '/redfish/v1/odata')).toBe(false);
    expect(await allowed('GET', '/redfish/v1/Systems')).toBe(false);
  });
});
