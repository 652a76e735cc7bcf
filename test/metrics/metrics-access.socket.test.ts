/**
 * Who may read /metrics, over a real socket: with `metrics.access` set to a role the route answers 401
 * (with a challenge) to anonymous scrapers and 200 to a user of that role, by Basic credentials as a
 * Prometheus `basic_auth` sends them or by a login token; with `metrics.enabled: false` there is no route.
 */
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigLayer } from '../../src/config/schema.ts';
import { startFixture, type MonorailFixture } from '../support/monorail-fixture.ts';
import { parseExposition } from './prometheus-text.ts';

const members: MonorailFixture[] = [];
afterEach(async () => {
  for (const m of members.splice(0)) await m.stop();
});

async function start(layer: ConfigLayer): Promise<{ member: MonorailFixture; port: number }> {
  const member = await startFixture({ layer });
  members.push(member);
  return { member, port: member.monorail.servers.find((s) => s.name === 'http')?.addresses()[0]?.port ?? 0 };
}

function call(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, agent: false, headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('/metrics access', () => {
  it('with access ReadOnly: 401 with a challenge anonymously, 200 for a ReadOnly user by Basic credentials or a login token', async () => {
    const { member, port } = await start({ metrics: { access: 'ReadOnly' }, auth: { allowBasicOverHttp: true } });
    expect(member.monorail.api?.registry.mounted().find((r) => r.paths.includes('/metrics'))?.access).toBe('ReadOnly');
    const anonymous = await call(port, 'GET', '/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/Basic/);
    expect(anonymous.text).not.toMatch(/monorail_/);

    const username = `prometheus-${randomBytes(3).toString('hex')}`;
    const password = randomBytes(18).toString('base64url');
    await member.monorail.api!.auth.users.create({ username, password, role: 'ReadOnly' });
    const basic = await call(port, 'GET', '/metrics', { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` });
    expect(basic.status).toBe(200);
    expect(parseExposition(basic.text).has('monorail_http_request_duration_seconds')).toBe(true);

    const wrong = await call(port, 'GET', '/metrics', { authorization: `Basic ${Buffer.from(`${username}:not-the-password`).toString('base64')}` });
    expect(wrong.status).toBe(401);

    const login = await call(port, 'POST', '/login', {}, { username, password });
    const token = (JSON.parse(login.text) as { token?: string }).token;
    expect(typeof token).toBe('string');
    expect((await call(port, 'GET', '/metrics', { authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('with metrics disabled: no route, 404', async () => {
    const { member, port } = await start({ metrics: { enabled: false } });
    expect(member.monorail.api?.registry.mounted().some((r) => r.paths.includes('/metrics'))).toBe(false);
    expect((await call(port, 'GET', '/metrics')).status).toBe(404);
  });
});
