/**
 * Auth over real HTTP on a real store: the localhost exception, POST /login (success, failure,
 * throttling and recovery, bad bodies), every credential carrier (JWT, Bearer, auth_token in query and
 * body, X-Auth-Token sessions, Basic), expiry, deleted users, role and password changes, malformed
 * headers, and that no password reaches a response, a log line or the store.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Request } from 'express';
import { authHarness, REST_BASES, type AuthHarness } from './auth-harness.ts';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function login(h: AuthHarness, username: string, password: string, at = '/login'): Promise<string> {
  const res = await request(h.app).post(at).send({ username, password });
  expect(res.status).toBe(200);
  return (res.body as { token: string }).token;
}

describe('the first user', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await authHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('may be created from the loopback address without credentials, only as an Administrator and only while no user exists', async () => {
    expect((await request(h.app).get('/api/2.0/users')).status).toBe(401);
    const forwarded = await request(h.app).post('/api/2.0/users').set('X-Forwarded-For', '203.0.113.7').send({ username: 'root', password: 'first-password' });
    expect(forwarded.status).toBe(401);
    const readOnly = await request(h.app).post('/api/2.0/users').send({ username: 'root', password: 'first-password', role: 'ReadOnly' });
    expect(readOnly.status).toBe(400);
    expect((readOnly.body as { message: string }).message).toBe('the first user must be an Administrator');
    const first = await request(h.app).post('/api/2.0/users').send({ username: 'root', password: 'first-password' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ username: 'root', role: 'Administrator' });
    const second = await request(h.app).post('/api/2.0/users').send({ username: 'intruder', password: 'second-password' });
    expect(second.status).toBe(401);
    expect(await h.auth.users.get('intruder')).toBeUndefined();
    const token = await login(h, 'root', 'first-password');
    expect((await request(h.app).get('/probe/administrator').set('Authorization', `JWT ${token}`)).body).toMatchObject({ username: 'root', role: 'Administrator' });
  });

  it('is not offered to another address, or when configured off', async () => {
    const fresh = await authHarness();
    const off = await authHarness({ auth: { localhostException: false } });
    try {
      const remote = { method: 'POST', path: '/api/2.0/users', url: '/api/2.0/users', originalUrl: '/api/2.0/users', headers: {}, body: {}, socket: { remoteAddress: '192.0.2.10' } } as unknown as Request;
      expect(await fresh.auth.authenticator.authenticate(remote)).toBeUndefined();
      const local = { ...remote, socket: { remoteAddress: '::ffff:127.0.0.1' } } as unknown as Request;
      expect(fresh.auth.authenticator.isBootstrap(await fresh.auth.authenticator.authenticate(local))).toBe(true);
      const otherRoute = { ...local, path: '/api/2.0/nodes', url: '/api/2.0/nodes' } as unknown as Request;
      expect(await fresh.auth.authenticator.authenticate(otherRoute)).toBeUndefined();
      expect((await request(off.app).post('/api/2.0/users').send({ username: 'root', password: 'first-password' })).status).toBe(401);
    } finally {
      await fresh.close();
      await off.close();
    }
  });
});

describe('login, tokens and sessions', () => {
  let h: AuthHarness;
  const responses: string[] = [];
  const remember = <T extends { text: string }>(res: T): T => {
    responses.push(res.text);
    return res;
  };
  beforeAll(async () => {
    h = await authHarness({
      auth: {
        initialAdmin: { username: 'admin', password: 'admin-secret-1' },
        throttle: { maxFailures: 3, maxFailuresPerAddress: 1000, lockoutSeconds: 1, maxLockoutSeconds: 4, forgetAfterSeconds: 60 },
        tokenTtlSeconds: 3600,
        sessionTtlSeconds: 600,
      },
    });
    await h.auth.users.create({ username: 'olivia', password: 'operator-secret-2', role: 'Operator' });
    await h.auth.users.create({ username: 'rita', password: 'readonly-secret-3', role: 'ReadOnly' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers {token} at /login and under every REST base, and 401 for a wrong password or unknown user alike', async () => {
    for (const at of ['/login', ...REST_BASES.map((b) => `${b}/login`)]) {
      const res = remember(await request(h.app).post(at).send({ username: 'rita', password: 'readonly-secret-3' }));
      expect(res.status).toBe(200);
      expect(Object.keys(res.body as object)).toEqual(['token']);
      expect((res.body as { token: string }).token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(res.headers['cache-control']).toBe('no-store');
    }
    const wrong = remember(await request(h.app).post('/login').send({ username: 'rita', password: 'wrong-password' }));
    const unknown = remember(await request(h.app).post('/login').send({ username: 'nobody', password: 'wrong-password' }));
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body).toEqual({ message: 'invalid username or password', status: 401 });
  });

  it('refuses bad login bodies: 400 naming the field, 413 when oversized, 415 when not JSON', async () => {
    const missing = await request(h.app).post('/login').send({ username: 'rita' });
    expect(missing.status).toBe(400);
    expect((missing.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['body.password']);
    expect((await request(h.app).post('/login').send({ username: 'rita', password: 'x', extra: 1 })).status).toBe(400);
    expect((await request(h.app).post('/login').send({ username: 7, password: 'x' })).status).toBe(400);
    expect((await request(h.app).post('/login').set('Content-Type', 'application/json').send('{"username":')).status).toBe(400);
    expect((await request(h.app).post('/login').set('Content-Type', 'application/json').send('[]')).status).toBe(400);
    expect((await request(h.app).post('/login').send({ username: 'rita', password: 'p'.repeat(10_000) })).status).toBe(413);
    expect((await request(h.app).post('/login').set('Content-Type', 'text/plain').send('username=rita')).status).toBe(415);
    expect((await request(h.app).post('/login').set('Content-Type', 'application/x-www-form-urlencoded').send('username=rita&password=x')).status).toBe(415);
  });

  it('locks a username out after repeated failures (429 with Retry-After), lets it in after the lockout, and a success resets the count', async () => {
    await h.auth.users.create({ username: 'tom', password: 'throttled-secret', role: 'ReadOnly' });
    for (let i = 0; i < 3; i++) expect((await request(h.app).post('/login').send({ username: 'tom', password: `guess-${i}` })).status).toBe(401);
    const locked = await request(h.app).post('/login').send({ username: 'tom', password: 'throttled-secret' });
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBe('1');
    expect((locked.body as { message: string }).message).toMatch(/too many failed logins/);
    // Another user from the same address is not held up by tom's lockout.
    expect((await request(h.app).post('/login').send({ username: 'rita', password: 'readonly-secret-3' })).status).toBe(200);
    // The lockout runs on auth's clock, the harness's: move it past the 1 s.
    h.advance(1100);
    expect((await request(h.app).post('/login').send({ username: 'tom', password: 'throttled-secret' })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await request(h.app).post('/login').send({ username: 'tom', password: `again-${i}` })).status).toBe(401);
    expect((await request(h.app).post('/login').send({ username: 'tom', password: 'throttled-secret' })).status).toBe(200);
    const failures = h.captured.lines().filter((l) => l['msg'] === 'login failed: bad credentials' && l['username'] === 'tom');
    expect(failures.length).toBe(5);
    expect(failures[0]).toMatchObject({ address: expect.stringMatching(/127\.0\.0\.1/) as string });
    expect(h.captured.lines().some((l) => l['msg'] === 'login refused: locked out after failed logins' && l['username'] === 'tom')).toBe(true);
  });

  it('accepts the token as Authorization JWT or Bearer, ?auth_token= and a body auth_token, and takes auth_token out before validation', async () => {
    const token = await login(h, 'olivia', 'operator-secret-2');
    for (const scheme of ['JWT', 'Bearer', 'jwt', 'bearer']) {
      expect((await request(h.app).get('/probe/operator').set('Authorization', `${scheme} ${token}`)).body).toMatchObject({ username: 'olivia', role: 'Operator', via: 'token' });
    }
    const query = await request(h.app).get(`/probe/operator?x=1&auth_token=${token}`);
    expect(query.status).toBe(200);
    expect(query.body).toMatchObject({ username: 'olivia', query: { x: '1' } });
    const body = await request(h.app).post('/probe/echo').send({ name: 'n', auth_token: token });
    expect(body.status).toBe(200);
    expect(body.body).toEqual({ body: { name: 'n' }, username: 'olivia' });
    expect((await request(h.app).get(`/api/2.0/users?auth_token=${token}`)).status).toBe(200);
    // The refused request's log line names the URL without the token.
    await request(h.app).get(`/probe/administrator?auth_token=${token}`);
    expect(JSON.stringify(h.captured.lines())).not.toContain(token);
  });

  it('accepts Redfish sessions in X-Auth-Token (only a hash stored), and Basic credentials', async () => {
    const principal = await h.auth.logins.login('olivia', 'operator-secret-2', '127.0.0.1');
    const { session, token } = await h.auth.sessions.create(principal);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const res = await request(h.app).get('/probe/operator').set('X-Auth-Token', token);
    expect(res.body).toMatchObject({ username: 'olivia', role: 'Operator', via: 'session', sessionId: session.id });
    const stored = await h.store.documents.collection('sessions').get(session.id);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    // A login token is accepted in X-Auth-Token too (RackHD's Redfish sessions were JWTs).
    const jwt = await login(h, 'olivia', 'operator-secret-2');
    expect((await request(h.app).get('/probe/operator').set('X-Auth-Token', jwt)).body).toMatchObject({ via: 'token' });
    expect((await request(h.app).get('/probe/operator').set('Authorization', basic('olivia', 'operator-secret-2'))).body).toMatchObject({ username: 'olivia', via: 'basic' });
    // A password containing ':' is fine in Basic (only the user-id cannot hold one).
    await h.auth.users.create({ username: 'colon', password: 'with:colons:inside', role: 'ReadOnly' });
    expect((await request(h.app).get('/probe/readonly').set('Authorization', basic('colon', 'with:colons:inside'))).status).toBe(200);
    const wrong = await request(h.app).get('/probe/readonly').set('Authorization', basic('olivia', 'not-her-password'));
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toContain('Basic');
  });

  it('throttles Basic credentials like logins', async () => {
    await h.auth.users.create({ username: 'bob', password: 'basic-secret-4', role: 'ReadOnly' });
    for (let i = 0; i < 3; i++) expect((await request(h.app).get('/probe/readonly').set('Authorization', basic('bob', `guess-${i}`))).status).toBe(401);
    const locked = await request(h.app).get('/probe/readonly').set('Authorization', basic('bob', 'basic-secret-4'));
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBe('1');
    h.advance(1100);
    expect((await request(h.app).get('/probe/readonly').set('Authorization', basic('bob', 'basic-secret-4'))).status).toBe(200);
  });

  it('answers 401 to malformed credentials, never 500', async () => {
    const token = await login(h, 'rita', 'readonly-secret-3');
    const cases: [string, string][] = [
      ['Authorization', 'JWT'],
      ['Authorization', `JWT ${token} extra`],
      ['Authorization', `JWT  `],
      ['Authorization', 'Digest username="rita"'],
      ['Authorization', `Negotiate ${token}`],
      ['Authorization', 'Basic !!!!'],
      ['Authorization', `Basic ${Buffer.from('no-colon').toString('base64')}`],
      ['Authorization', `Basic ${Buffer.from(':empty-user').toString('base64')}`],
      ['Authorization', `JWT ${'a'.repeat(5000)}`],
      ['Authorization', `JWT ${token.slice(0, -3)}`],
      ['Authorization', `JWT ${token.split('.').slice(0, 2).join('.')}.`],
      ['Authorization', 'JWT a.b.c'],
      ['Authorization', 'Bearer not-a-session'],
      ['X-Auth-Token', ' '],
      ['X-Auth-Token', 'two words'],
      ['X-Auth-Token', 'x'.repeat(300)],
    ];
    for (const [header, value] of cases) {
      const res = await request(h.app).get('/probe/readonly').set(header, value);
      expect([res.status, value.slice(0, 40)]).toEqual([401, value.slice(0, 40)]);
      expect((res.body as { message: string }).message).not.toContain(token);
    }
    expect((await request(h.app).get(`/probe/readonly?auth_token=${token}&auth_token=${token}`)).status).toBe(401);
    expect((await request(h.app).get('/probe/readonly?auth_token=')).status).toBe(401);
    expect((await request(h.app).post('/probe/echo').send({ name: 'n', auth_token: 42 })).status).toBe(401);
    // A public route ignores bad credentials instead of refusing.
    expect((await request(h.app).get('/probe/public').set('Authorization', 'JWT a.b.c')).body).toEqual({ principal: null });
  });

  it('refuses tokens that are forged, unsigned or signed for another issuer', async () => {
    const claims = { user: 'admin', role: 'Administrator', gen: 'x' };
    const otherKey = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('monorail').setSubject('admin').setExpirationTime('1h').sign(new TextEncoder().encode('k'.repeat(32)));
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ ...claims, sub: 'admin', iss: 'monorail', exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
    const unsigned = `${header}.${payload}.`;
    const real = await login(h, 'rita', 'readonly-secret-3');
    const [rh, , rs] = real.split('.');
    const tampered = `${rh}.${payload}.${rs}`;
    for (const t of [otherKey, unsigned, tampered]) {
      const res = await request(h.app).get('/probe/readonly').set('Authorization', `JWT ${t}`);
      expect(res.status).toBe(401);
    }
  });

  it('expires tokens after auth.tokenTtlSeconds and sessions after auth.sessionTtlSeconds of inactivity', async () => {
    const token = await login(h, 'rita', 'readonly-secret-3');
    const { token: session } = await h.auth.sessions.create(await h.auth.logins.login('rita', 'readonly-secret-3', '127.0.0.1'));
    const idle = await h.auth.sessions.create(await h.auth.logins.login('rita', 'readonly-secret-3', '127.0.0.1'));
    // Using the session every 400 s keeps it alive past its first 600 s; the idle one ends at 600 s.
    for (let i = 0; i < 3; i++) {
      h.advance(400_000);
      expect((await request(h.app).get('/probe/readonly').set('X-Auth-Token', session)).status).toBe(200);
    }
    const idleAnswer = await request(h.app).get('/probe/readonly').set('X-Auth-Token', idle.token);
    expect(idleAnswer.status).toBe(401);
    expect((idleAnswer.body as { message: string }).message).toBe('invalid or expired session');
    expect(await h.auth.sessions.get(idle.session.id)).toBeUndefined();
    h.advance(3600_000 - 3 * 400_000 + 1000);
    const expired = await request(h.app).get('/probe/readonly').set('Authorization', `JWT ${token}`);
    expect(expired.status).toBe(401);
    expect((expired.body as { message: string }).message).toBe('token expired');
  });

  it('stops honouring every credential of a deleted user', async () => {
    await h.auth.users.create({ username: 'dave', password: 'deleted-secret', role: 'Operator' });
    const token = await login(h, 'dave', 'deleted-secret');
    const { token: session } = await h.auth.sessions.create(await h.auth.logins.login('dave', 'deleted-secret', '127.0.0.1'));
    const auth = { jwt: `JWT ${token}`, basic: basic('dave', 'deleted-secret') };
    expect((await request(h.app).get('/probe/operator').set('Authorization', auth.basic)).status).toBe(200);
    const admin = await login(h, 'admin', 'admin-secret-1');
    expect((await request(h.app).delete('/api/2.0/users/dave').set('Authorization', `JWT ${admin}`)).status).toBe(204);
    expect((await request(h.app).get('/probe/operator').set('Authorization', auth.jwt)).status).toBe(401);
    expect((await request(h.app).get('/probe/operator').set('Authorization', auth.basic)).status).toBe(401);
    expect((await request(h.app).get('/probe/operator').set('X-Auth-Token', session)).status).toBe(401);
    expect(await h.store.documents.collection('sessions').count({ username: 'dave' })).toBe(0);
  });

  it('applies a role change to tokens already issued, and a password change ends them', async () => {
    await h.auth.users.create({ username: 'carl', password: 'changing-secret', role: 'Operator' });
    const token = await login(h, 'carl', 'changing-secret');
    const admin = `JWT ${await login(h, 'admin', 'admin-secret-1')}`;
    expect((await request(h.app).post('/probe/echo').set('Authorization', `JWT ${token}`).send({ name: 'a' })).status).toBe(200);
    expect((await request(h.app).patch('/api/2.0/users/carl').set('Authorization', admin).send({ role: 'ReadOnly' })).body).toEqual({
      username: 'carl',
      role: 'ReadOnly',
      privileges: ['Read', 'Login', 'ConfigureSelf'],
      passwordChangeRequired: false,
    });
    const demoted = await request(h.app).post('/probe/echo').set('Authorization', `JWT ${token}`).send({ name: 'a' });
    expect(demoted.status).toBe(403);
    expect((demoted.body as { message: string }).message).toBe('this needs the Operator role or higher; you are ReadOnly');
    await request(h.app).patch('/api/2.0/users/carl').set('Authorization', admin).send({ role: 'Administrator' });
    expect((await request(h.app).get('/probe/administrator').set('Authorization', `JWT ${token}`)).status).toBe(200);
    // Basic credentials verified before are cached; the password change must still end them.
    expect((await request(h.app).get('/probe/readonly').set('Authorization', basic('carl', 'changing-secret'))).status).toBe(200);
    const changed = await request(h.app).patch('/api/2.0/users/carl').set('Authorization', `JWT ${token}`).send({ password: 'changed-secret' });
    expect(changed.status).toBe(200);
    expect((await request(h.app).get('/probe/readonly').set('Authorization', `JWT ${token}`)).status).toBe(401);
    expect((await request(h.app).get('/probe/readonly').set('Authorization', basic('carl', 'changing-secret'))).status).toBe(401);
    expect((await request(h.app).post('/login').send({ username: 'carl', password: 'changing-secret' })).status).toBe(401);
    expect(await login(h, 'carl', 'changed-secret')).toBeTruthy();
  });

  it('never puts a password in a response, a log line or the store', async () => {
    const passwords = ['admin-secret-1', 'operator-secret-2', 'readonly-secret-3', 'throttled-secret', 'basic-secret-4', 'changing-secret', 'changed-secret', 'with:colons:inside'];
    const admin = `JWT ${await login(h, 'admin', 'admin-secret-1')}`;
    remember(await request(h.app).get('/api/2.0/users').set('Authorization', admin));
    remember(await request(h.app).get('/api/2.0/users/olivia').set('Authorization', admin));
    remember(await request(h.app).post('/api/2.0/users').set('Authorization', admin).send({ username: 'paula', password: 'paula-secret-5' }));
    passwords.push('paula-secret-5');
    const users = await h.store.documents.collection('users').find({});
    for (const u of users) expect(u.passwordHash).toMatch(/^\$scrypt\$ln=12,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{86}$/);
    // passwordChangeRequired is written once a password changes (it clears the flag): a boolean, no secret.
    for (const u of users) expect(Object.keys(u).filter((k) => k !== 'passwordChangeRequired').sort()).toEqual(['createdAt', 'id', 'passwordHash', 'role', 'tokenGeneration', 'updatedAt', 'username', 'version']);
    const logs = JSON.stringify(h.captured.lines());
    const files = readdirSync(h.temp.dir).map((f) => readFileSync(path.join(h.temp.dir, f)).toString('latin1'));
    for (const p of passwords) {
      for (const text of responses) expect(text).not.toContain(p);
      expect(logs).not.toContain(p);
      for (const f of files) expect(f).not.toContain(p);
    }
    expect(files.length).toBeGreaterThan(0);
  });
});

describe('the users and roles API', () => {
  let h: AuthHarness;
  let admin: string;
  let operator: string;
  let reader: string;
  beforeAll(async () => {
    h = await authHarness({ auth: { initialAdmin: { username: 'admin', password: 'admin-secret-1' } } });
    await h.auth.users.create({ username: 'olivia', password: 'operator-secret-2', role: 'Operator' });
    await h.auth.users.create({ username: 'rita', password: 'readonly-secret-3', role: 'ReadOnly' });
    admin = `JWT ${await login(h, 'admin', 'admin-secret-1')}`;
    operator = `JWT ${await login(h, 'olivia', 'operator-secret-2')}`;
    reader = `JWT ${await login(h, 'rita', 'readonly-secret-3')}`;
  });
  afterAll(async () => {
    await h.close();
  });

  it('lists and reads users for any role, in RackHD\'s shape', async () => {
    const list = await request(h.app).get('/api/current/users').set('Authorization', reader);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([
      { username: 'admin', role: 'Administrator', privileges: ['Read', 'Write', 'Login', 'ConfigureManager', 'ConfigureUsers', 'ConfigureComponents', 'ConfigureSelf'], passwordChangeRequired: false },
      { username: 'olivia', role: 'Operator', privileges: ['Login', 'ConfigureComponents', 'ConfigureSelf'], passwordChangeRequired: false },
      { username: 'rita', role: 'ReadOnly', privileges: ['Read', 'Login', 'ConfigureSelf'], passwordChangeRequired: false },
    ]);
    expect((await request(h.app).get('/api/2.0/users/olivia').set('Authorization', reader)).body).toMatchObject({ username: 'olivia', role: 'Operator' });
    expect((await request(h.app).get('/api/2.0/users/nobody').set('Authorization', reader)).status).toBe(404);
    expect((await request(h.app).get('/api/2.0/users?role=Operator').set('Authorization', reader)).status).toBe(400);
  });

  it('creates users (Administrator only), enforcing the password policy and known roles', async () => {
    const created = await request(h.app).post('/api/2.0/users').set('Authorization', admin).send({ username: 'nina', password: 'nina-password' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ username: 'nina', role: 'ReadOnly' });
    const duplicate = await request(h.app).post('/api/2.0/users').set('Authorization', admin).send({ username: 'nina', password: 'other-password' });
    expect(duplicate.status).toBe(409);
    expect((duplicate.body as { message: string }).message).toBe('user nina already exists');
    const short = await request(h.app).post('/api/2.0/users').set('Authorization', admin).send({ username: 'sam', password: 'short12' });
    expect([short.status, (short.body as { message: string }).message]).toEqual([400, 'password must be at least 8 characters']);
    const same = await request(h.app).post('/api/2.0/users').set('Authorization', admin).send({ username: 'samantha', password: 'Samantha' });
    expect([same.status, (same.body as { message: string }).message]).toEqual([400, 'password must not be the username']);
    const role = await request(h.app).post('/api/2.0/users').set('Authorization', admin).send({ username: 'sam', password: 'sam-password', role: 'Wizard' });
    expect([role.status, (role.body as { message: string }).message]).toEqual([400, 'unknown role "Wizard"']);
    expect((await request(h.app).post('/api/2.0/users').set('Authorization', admin).send({ username: 'bad name', password: 'sam-password' })).status).toBe(400);
    expect((await request(h.app).post('/api/2.0/users').set('Authorization', admin).send({ username: 'sam' })).status).toBe(400);
    expect((await request(h.app).post('/api/2.0/users').set('Authorization', admin).send({ username: 'sam', password: 'sam-password', admin: true })).status).toBe(400);
    expect((await request(h.app).post('/api/2.0/users').set('Authorization', admin).send({ username: 'sam', password: 'x'.repeat(5000) })).status).toBe(413);
    expect((await request(h.app).post('/api/2.0/users').set('Authorization', operator).send({ username: 'sam', password: 'sam-password' })).status).toBe(403);
    expect((await request(h.app).post('/api/2.0/users').send({ username: 'sam', password: 'sam-password' })).status).toBe(401);
  });

  it('lets a user change only their own password; roles and other users take an Administrator', async () => {
    await h.auth.users.create({ username: 'una', password: 'una-password', role: 'ReadOnly' });
    const una = `JWT ${await login(h, 'una', 'una-password')}`;
    expect((await request(h.app).patch('/api/2.0/users/una').set('Authorization', una).send({ role: 'Administrator' })).status).toBe(403);
    expect((await request(h.app).patch('/api/2.0/users/rita').set('Authorization', una).send({ password: 'taken-over' })).status).toBe(403);
    expect((await request(h.app).patch('/api/2.0/users/una').set('Authorization', una).send({ password: 'una' })).status).toBe(400);
    expect((await request(h.app).patch('/api/2.0/users/una').set('Authorization', una).send({})).status).toBe(400);
    expect((await request(h.app).patch('/api/2.0/users/una').set('Authorization', una).send({ password: 'una-new-password' })).body).toEqual({ username: 'una', role: 'ReadOnly', privileges: ['Read', 'Login', 'ConfigureSelf'], passwordChangeRequired: false });
    expect((await request(h.app).patch('/api/2.0/users/una').set('Authorization', admin).send({ role: 'Operator' })).body).toMatchObject({ role: 'Operator' });
    expect((await request(h.app).patch('/api/2.0/users/nobody').set('Authorization', admin).send({ role: 'Operator' })).status).toBe(404);
    expect((await request(h.app).patch('/api/2.0/users/una').set('Authorization', admin).send({ role: 'Wizard' })).status).toBe(400);
  });

  it('deletes users, but never the last Administrator, nor demotes it', async () => {
    await h.auth.users.create({ username: 'dan', password: 'dan-password', role: 'ReadOnly' });
    expect((await request(h.app).delete('/api/2.0/users/dan').set('Authorization', operator)).status).toBe(403);
    expect((await request(h.app).delete('/api/2.0/users/dan').set('Authorization', admin)).status).toBe(204);
    expect((await request(h.app).delete('/api/2.0/users/dan').set('Authorization', admin)).status).toBe(404);
    const last = await request(h.app).delete('/api/2.0/users/admin').set('Authorization', admin);
    expect([last.status, (last.body as { message: string }).message]).toEqual([409, 'admin is the last Administrator and cannot be deleted']);
    expect((await request(h.app).patch('/api/2.0/users/admin').set('Authorization', admin).send({ role: 'ReadOnly' })).status).toBe(409);
    await h.auth.users.create({ username: 'second', password: 'second-admin', role: 'Administrator' });
    expect((await request(h.app).patch('/api/2.0/users/second').set('Authorization', admin).send({ role: 'ReadOnly' })).status).toBe(200);
  });

  it('versions users for Redfish ETags: an If-Match naming an older version is refused with 412', async () => {
    const before = await h.auth.users.get('rita');
    const after = await h.auth.users.update('rita', { role: 'ReadOnly' }, before?.version);
    expect(after.version).not.toBe(before?.version);
    await expect(h.auth.users.update('rita', { role: 'Operator' }, before?.version)).rejects.toMatchObject({ code: 'PRECONDITION_FAILED', httpStatus: 412 });
    expect((await h.auth.users.get('rita'))?.role).toBe('ReadOnly');
  });

  it('serves RackHD\'s built-in roles and manages custom ones', async () => {
    const list = await request(h.app).get('/api/2.0/roles').set('Authorization', reader);
    expect(list.body).toEqual([
      { role: 'Administrator', privileges: ['Read', 'Write', 'Login', 'ConfigureManager', 'ConfigureUsers', 'ConfigureComponents', 'ConfigureSelf'] },
      { role: 'Operator', privileges: ['Login', 'ConfigureComponents', 'ConfigureSelf'] },
      { role: 'ReadOnly', privileges: ['Read', 'Login', 'ConfigureSelf'] },
    ]);
    expect((await request(h.app).post('/api/2.0/roles').set('Authorization', operator).send({ role: 'Deployer', privileges: ['Login'] })).status).toBe(403);
    const created = await request(h.app).post('/api/2.0/roles').set('Authorization', admin).send({ role: 'Deployer', privileges: ['Login', 'Read'] });
    expect([created.status, created.body]).toEqual([201, { role: 'Deployer', privileges: ['Login', 'Read'] }]);
    expect((await request(h.app).post('/api/2.0/roles').set('Authorization', admin).send({ role: 'Deployer', privileges: ['Login'] })).status).toBe(409);
    expect((await request(h.app).post('/api/2.0/roles').set('Authorization', admin).send({ role: 'Odd', privileges: ['Fly'] })).status).toBe(400);
    expect((await request(h.app).post('/api/2.0/roles').set('Authorization', admin).send({ role: '1bad', privileges: ['Login'] })).status).toBe(400);
    expect((await request(h.app).get('/api/2.0/roles/Deployer').set('Authorization', reader)).body).toEqual({ role: 'Deployer', privileges: ['Login', 'Read'] });
    expect((await request(h.app).get('/api/2.0/roles/Nope').set('Authorization', reader)).status).toBe(404);

    // A custom role is placed on an access level by its privileges, and changes to them apply.
    await h.auth.users.create({ username: 'dora', password: 'deployer-secret', role: 'Deployer' });
    const dora = `JWT ${await login(h, 'dora', 'deployer-secret')}`;
    expect((await request(h.app).get('/probe/readonly').set('Authorization', dora)).body).toMatchObject({ username: 'dora', role: 'ReadOnly' });
    expect((await request(h.app).post('/probe/echo').set('Authorization', dora).send({ name: 'x' })).status).toBe(403);
    expect((await request(h.app).patch('/api/2.0/roles/Deployer').set('Authorization', admin).send({ privileges: ['Login', 'ConfigureComponents'] })).status).toBe(200);
    expect((await request(h.app).post('/probe/echo').set('Authorization', dora).send({ name: 'x' })).status).toBe(200);
    // Without Login the role's users cannot authenticate at all.
    await request(h.app).patch('/api/2.0/roles/Deployer').set('Authorization', admin).send({ privileges: ['Read'] });
    expect((await request(h.app).get('/probe/readonly').set('Authorization', dora)).status).toBe(401);
    expect((await request(h.app).post('/login').send({ username: 'dora', password: 'deployer-secret' })).status).toBe(401);

    expect((await request(h.app).patch('/api/2.0/roles/Administrator').set('Authorization', admin).send({ privileges: ['Login'] })).status).toBe(409);
    expect((await request(h.app).delete('/api/2.0/roles/ReadOnly').set('Authorization', admin)).status).toBe(409);
    const inUse = await request(h.app).delete('/api/2.0/roles/Deployer').set('Authorization', admin);
    expect([inUse.status, (inUse.body as { message: string }).message]).toEqual([409, 'role Deployer is held by 1 user(s); give them another role first']);
    await request(h.app).delete('/api/2.0/users/dora').set('Authorization', admin);
    expect((await request(h.app).delete('/api/2.0/roles/Deployer').set('Authorization', admin)).status).toBe(204);
    expect((await request(h.app).delete('/api/2.0/roles/Deployer').set('Authorization', admin)).status).toBe(404);
    expect((await request(h.app).patch('/api/2.0/roles/Deployer').set('Authorization', admin).send({ privileges: ['Login'] })).status).toBe(404);
  });
});

describe('with auth.enabled false', () => {
  it('treats every caller as an Administrator, even with a malformed credential', async () => {
    const h = await authHarness({ auth: { enabled: false } });
    try {
      expect((await request(h.app).get('/probe/administrator')).body).toMatchObject({ username: 'anonymous', role: 'Administrator' });
      expect((await request(h.app).get('/probe/administrator').set('Authorization', 'Garbage')).status).toBe(200);
      expect(h.captured.lines().some((l) => String(l['msg']).includes('auth.enabled is false'))).toBe(true);
    } finally {
      await h.close();
    }
  });
});
