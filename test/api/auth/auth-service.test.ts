/**
 * Auth assembled from configuration: the first Administrator from auth.initialAdmin (its password from
 * the environment, never logged), the token key generated into <dataDir>/auth.key (0600) or configured
 * for a cluster, and weak hashes upgraded at login.
 */
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openAuth } from '../../../src/api/auth/auth-service.ts';
import { hashPassword } from '../../../src/api/auth/password-hash.ts';
import { loadConfig } from '../../../src/config/load-config.ts';
import type { ConfigLayer } from '../../../src/config/schema.ts';
import { ConfigError } from '../../../src/errors.ts';
import type { Store } from '../../../src/persistence/store.ts';
import { tempStore, type TempStore } from '../../support/temp-store.ts';
import { captureLog } from '../../support/test-logger.ts';

const opened: { temp: TempStore; store: Store }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.store.close();
    o.temp.cleanup();
  }
});

async function fresh(): Promise<{ temp: TempStore; store: Store }> {
  const temp = tempStore('monorail-auth-service-');
  const o = { temp, store: await temp.open() };
  opened.push(o);
  return o;
}

const configFor = (dataDir: string, auth: ConfigLayer['auth'] = {}, env?: NodeJS.ProcessEnv) =>
  loadConfig({ layers: [{ dataDir, store: { path: dataDir }, auth: { passwordHashCost: 10, ...auth } }], ...(env === undefined ? {} : { env }) });

describe('opening auth', () => {
  it('creates the first Administrator from MONORAIL_AUTH_INITIAL_ADMIN_PASSWORD once, and never logs the password', async () => {
    const { temp, store } = await fresh();
    const captured = captureLog();
    const env = { MONORAIL_AUTH_INITIAL_ADMIN_USERNAME: 'root', MONORAIL_AUTH_INITIAL_ADMIN_PASSWORD: 'from-the-environment' };
    const auth = await openAuth({ documents: store.documents, config: configFor(temp.dir, {}, env), log: captured.log });
    expect(await auth.users.get('root')).toMatchObject({ role: 'Administrator', access: 'Administrator' });
    expect(await auth.logins.login('root', 'from-the-environment', '127.0.0.1')).toEqual({ username: 'root', role: 'Administrator', via: 'basic' });
    // A later start with another initial password changes nothing: users exist.
    const again = await openAuth({ documents: store.documents, config: configFor(temp.dir, { initialAdmin: { username: 'root', password: 'another-password' } }), log: captured.log });
    await expect(again.logins.login('root', 'another-password', '127.0.0.1')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await again.users.list()).length).toBe(1);
    const lines = JSON.stringify(captured.lines());
    expect(lines).toContain('created the initial Administrator from auth.initialAdmin');
    expect(lines).not.toContain('from-the-environment');
    expect(lines).not.toContain('another-password');
  });

  it('refuses an initial password the policy refuses, and says so without the password', async () => {
    const { temp, store } = await fresh();
    const config = configFor(temp.dir, { initialAdmin: { username: 'operator1', password: 'OPERATOR1' } });
    await expect(openAuth({ documents: store.documents, config, log: captureLog().log })).rejects.toThrow('auth.initialAdmin: password must not be the username');
    const short = (): unknown => configFor(temp.dir, { initialAdmin: { username: 'a', password: 'short' } });
    expect(short).toThrow(ConfigError);
    try {
      short();
    } catch (e) {
      expect((e as Error).message).not.toContain('"short"');
    }
  });

  it('warns when no user exists and none is configured', async () => {
    const { temp, store } = await fresh();
    const captured = captureLog();
    await openAuth({ documents: store.documents, config: configFor(temp.dir), log: captured.log });
    expect(captured.lines().some((l) => String(l['msg']).includes('localhost exception'))).toBe(true);
  });

  it('generates the token key once into <dataDir>/auth.key (mode 0600) and keeps tokens valid across restarts', async () => {
    const { temp, store } = await fresh();
    const admin = { initialAdmin: { username: 'admin', password: 'admin-secret-1' } };
    const first = await openAuth({ documents: store.documents, config: configFor(temp.dir, admin), log: captureLog().log });
    const file = path.join(temp.dir, 'auth.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { token } = await first.tokens.issue({ username: 'admin', role: 'Administrator', via: 'token' });
    const second = await openAuth({ documents: store.documents, config: configFor(temp.dir, admin), log: captureLog().log });
    expect(await second.tokens.verify(token)).toMatchObject({ username: 'admin' });
    writeFileSync(file, 'too-short\n');
    await expect(openAuth({ documents: store.documents, config: configFor(temp.dir, admin), log: captureLog().log })).rejects.toThrow('shorter than 32 characters');
  });

  it('uses a configured tokenSecret, so members sharing it accept each other\'s tokens and others do not', async () => {
    const { temp, store } = await fresh();
    const secret = 's'.repeat(40);
    const a = await openAuth({ documents: store.documents, config: configFor(path.join(temp.dir, 'a'), { tokenSecret: secret, initialAdmin: { username: 'admin', password: 'admin-secret-1' } }), log: captureLog().log });
    const b = await openAuth({ documents: store.documents, config: configFor(path.join(temp.dir, 'b'), { tokenSecret: secret }), log: captureLog().log });
    const c = await openAuth({ documents: store.documents, config: configFor(path.join(temp.dir, 'c'), { tokenSecret: 't'.repeat(40) }), log: captureLog().log });
    const { token } = await a.tokens.issue({ username: 'admin', role: 'Administrator', via: 'token' });
    expect(await b.tokens.verify(token)).toMatchObject({ username: 'admin' });
    await expect(c.tokens.verify(token)).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'invalid token' });
    expect(() => configFor(temp.dir, { tokenSecret: 'short' })).toThrow(ConfigError);
  });

  it('rehashes a password stored at a lower cost when its user logs in', async () => {
    const { temp, store } = await fresh();
    const auth = await openAuth({ documents: store.documents, config: configFor(temp.dir, { passwordHashCost: 11 }), log: captureLog().log });
    await auth.users.create({ username: 'old', password: 'old-password', role: 'ReadOnly' });
    const users = store.documents.collection('users');
    const doc = await users.findOne({ username: 'old' });
    await users.update(doc?.id ?? '', { $set: { passwordHash: await hashPassword('old-password', 10) } });
    await auth.logins.login('old', 'old-password', '127.0.0.1');
    expect((await users.findOne({ username: 'old' }))?.passwordHash).toMatch(/^\$scrypt\$ln=11,/);
    await auth.logins.login('old', 'old-password', '127.0.0.1');
  });
});
