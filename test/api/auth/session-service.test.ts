/** Redfish sessions on a real store and a test clock: tokens stored as hashes, sliding expiry, limits, ending. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PER_USER, tokenHash } from '../../../src/api/auth/session-service.ts';
import { authHarness, type AuthHarness } from './auth-harness.ts';

let h: AuthHarness;
beforeAll(async () => {
  h = await authHarness({ auth: { sessionTtlSeconds: 60, initialAdmin: { username: 'admin', password: 'admin-secret-1' } } });
  await h.auth.users.create({ username: 'sue', password: 'session-secret', role: 'Operator' });
});
afterAll(async () => {
  await h.close();
});

const sue = { username: 'sue', role: 'Operator', via: 'session' } as const;

describe('sessions', () => {
  it('hand the token out once and keep only its SHA-256', async () => {
    const { session, token } = await h.auth.sessions.create(sue);
    expect(session).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/) as string, username: 'sue', createdAt: new Date(h.now()).toISOString(), expiresAt: new Date(h.now() + 60_000).toISOString() });
    const doc = await h.store.documents.collection('sessions').get(session.id);
    expect(doc?.tokenHash).toBe(tokenHash(token));
    expect(Object.values(doc ?? {})).not.toContain(token);
    expect(await h.auth.sessions.resolve(token)).toEqual({ username: 'sue', role: 'Operator', via: 'session', sessionId: session.id });
    expect(await h.auth.sessions.resolve(`${token}x`)).toBeUndefined();
    expect(await h.auth.sessions.resolve('')).toBeUndefined();
    expect(await h.auth.sessions.get(session.id)).toEqual(session);
    expect((await h.auth.sessions.list()).map((s) => s.id)).toContain(session.id);
  });

  it('end after sessionTtlSeconds without use, and live on while used', async () => {
    const used = await h.auth.sessions.create(sue);
    const idle = await h.auth.sessions.create(sue);
    for (let i = 0; i < 4; i++) {
      h.advance(40_000);
      expect(await h.auth.sessions.resolve(used.token)).toBeDefined();
    }
    expect(await h.auth.sessions.resolve(idle.token)).toBeUndefined();
    expect(await h.auth.sessions.get(idle.session.id)).toBeUndefined();
    expect((await h.auth.sessions.list()).map((s) => s.id)).not.toContain(idle.session.id);
    expect(Date.parse((await h.auth.sessions.get(used.session.id))?.expiresAt ?? '')).toBeGreaterThan(h.now() + 50_000);
    h.advance(60_001);
    expect(await h.auth.sessions.resolve(used.token)).toBeUndefined();
  });

  it('are cleaned out when expired, and capped per user (oldest out first)', async () => {
    h.advance(120_000);
    const first = await h.auth.sessions.create(sue);
    expect(await h.store.documents.collection('sessions').count({ expiresAt: { $lte: new Date(h.now()).toISOString() } })).toBe(0);
    const rest = [];
    for (let i = 1; i < MAX_PER_USER + 1; i++) {
      h.advance(1);
      rest.push(await h.auth.sessions.create(sue));
    }
    expect(await h.store.documents.collection('sessions').count({ username: 'sue' })).toBe(MAX_PER_USER);
    expect(await h.auth.sessions.resolve(first.token)).toBeUndefined();
    expect(await h.auth.sessions.resolve(rest[0]!.token)).toBeDefined();
  });

  it('end on logout, on a new password and when the user is deleted, and follow role changes', async () => {
    const a = await h.auth.sessions.create(sue);
    expect(await h.auth.sessions.delete(a.session.id)).toBe(true);
    expect(await h.auth.sessions.delete(a.session.id)).toBe(false);
    expect(await h.auth.sessions.resolve(a.token)).toBeUndefined();
    const b = await h.auth.sessions.create(sue);
    await h.auth.users.update('sue', { role: 'ReadOnly' });
    expect(await h.auth.sessions.resolve(b.token)).toMatchObject({ role: 'ReadOnly' });
    await h.auth.users.update('sue', { password: 'new-session-secret' });
    expect(await h.auth.sessions.resolve(b.token)).toBeUndefined();
    const c = await h.auth.sessions.create(sue);
    await h.auth.users.delete('sue');
    expect(await h.auth.sessions.resolve(c.token)).toBeUndefined();
    expect(await h.store.documents.collection('sessions').count({ username: 'sue' })).toBe(0);
  });
});
