/**
 * HTTPS when a certificate is configured, with a self-signed certificate made by Debian's `openssl` in
 * the test: login and Basic credentials over TLS, Basic refused over plain HTTP (DSP0266 §13.2.3), a
 * client speaking plain HTTP or garbage to the TLS port does not disturb it, and bad certificate files
 * stop start-up with a message naming the file and not the key.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebServer, tlsOptions } from '../../../src/api/auth/tls.ts';
import { authHarness, type AuthHarness } from './auth-harness.ts';

let dir: string;
let cert: string;
let key: string;
let h: AuthHarness;
let https: Server;
let http: Server;

function selfSigned(name: string): { cert: string; key: string } {
  const c = path.join(dir, `${name}.crt`);
  const k = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', k, '-out', c, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { cert: c, key: k };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

interface Answer {
  status: number;
  body: string;
  protocol?: string | null;
}

function call(secure: boolean, port: number, method: string, urlPath: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, method, path: urlPath, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, agent: false as const };
    const req = secure ? httpsRequest({ ...options, ca: readFileSync(cert), servername: 'localhost' }) : httpRequest(options);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const socket = res.socket as unknown as { getProtocol?: () => string | null };
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), protocol: socket.getProtocol?.() ?? null });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'monorail-tls-'));
  ({ cert, key } = selfSigned('api'));
  // Basic over plain HTTP is refused, as Redfish requires: the default.
  h = await authHarness({ auth: { allowBasicOverHttp: false, initialAdmin: { username: 'admin', password: 'admin-secret-1' } } });
  https = createWebServer(h.app, tlsOptions({ cert, key }));
  http = createWebServer(h.app, tlsOptions({ cert: null, key: null }));
});
afterAll(async () => {
  for (const s of [https, http]) {
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('HTTPS', () => {
  it('serves the API over TLS 1.2+ when a certificate is configured, Basic included', async () => {
    const port = await listen(https);
    const login = await call(true, port, 'POST', '/login', {}, JSON.stringify({ username: 'admin', password: 'admin-secret-1' }));
    expect(login.status).toBe(200);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(login.protocol);
    const { token } = JSON.parse(login.body) as { token: string };
    expect((await call(true, port, 'GET', '/probe/administrator', { authorization: `JWT ${token}` })).status).toBe(200);
    const viaBasic = await call(true, port, 'GET', '/probe/administrator', { authorization: basic('admin', 'admin-secret-1') });
    expect(viaBasic.status).toBe(200);
    expect(JSON.parse(viaBasic.body)).toMatchObject({ username: 'admin', via: 'basic' });
  });

  it('refuses Basic credentials over plain HTTP, but not tokens', async () => {
    const port = await listen(http);
    const refused = await call(false, port, 'GET', '/probe/administrator', { authorization: basic('admin', 'admin-secret-1') });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toEqual({ message: 'Basic credentials are accepted over HTTPS only', status: 401 });
    const login = await call(false, port, 'POST', '/login', {}, JSON.stringify({ username: 'admin', password: 'admin-secret-1' }));
    const { token } = JSON.parse(login.body) as { token: string };
    expect((await call(false, port, 'GET', '/probe/administrator', { authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('shrugs off plain HTTP and garbage sent to the TLS port', async () => {
    const port = (https.address() as AddressInfo).port;
    for (const junk of ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', '\x16\x03\x01\x00\x05garbage', Buffer.alloc(70_000, 0xff).toString('latin1')]) {
      await new Promise<void>((resolve) => {
        const s = connect(port, '127.0.0.1', () => s.end(junk, 'latin1'));
        s.on('data', () => undefined);
        s.on('error', () => resolve());
        s.on('close', () => resolve());
      });
    }
    expect((await call(true, port, 'GET', '/probe/public')).status).toBe(200);
  });

  it('stops start-up on missing, mismatched or garbled files, naming the file and never the key', () => {
    const other = selfSigned('other');
    const garbled = path.join(dir, 'garbled.pem');
    writeFileSync(garbled, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    expect(() => tlsOptions({ cert, key: null })).toThrow('http.tls needs both cert and key');
    expect(() => tlsOptions({ cert: path.join(dir, 'missing.crt'), key })).toThrow(`cannot read the certificate ${path.join(dir, 'missing.crt')}: ENOENT`);
    expect(() => tlsOptions({ cert, key: other.key })).toThrow(`http.tls: ${cert} and ${other.key} are not a usable certificate and key`);
    expect(() => tlsOptions({ cert: garbled, key })).toThrow(/are not a usable certificate and key/);
    const keyText = readFileSync(other.key, 'utf8').split('\n')[1] ?? '';
    try {
      tlsOptions({ cert, key: other.key });
    } catch (e) {
      expect((e as Error).message).not.toContain(keyText);
    }
    expect(tlsOptions(null)).toBeUndefined();
    expect(tlsOptions({ cert: null, key: null })).toBeUndefined();
  });
});
