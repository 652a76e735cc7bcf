/**
 * RackHD 2.0 template/profile libraries and files on a real member over real HTTP: raw text and binary uploads
 * read by the routes themselves (415 for other media types, 413 past the limit whether the length is declared
 * or the body is chunked, 400 for text that is not UTF-8), digests computed while streaming, versions, Range.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesDir } from '../../../../src/api/northbound/rest/file-store.ts';
import { ProfileLibrary } from '../../../../src/api/southbound/profile-library.ts';
import { errorPaths, startRest, type RestHarness } from './rest-harness.ts';

const SOURCE_LIMIT = 4096;
const FILE_LIMIT = 256 * 1024;

let h: RestHarness;
let server: http.Server;
beforeAll(async () => {
  h = await startRest({ limits: { maxSourceBytes: SOURCE_LIMIT, maxFileBytes: FILE_LIMIT } });
  server = h.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await h.stop();
});

/** A PUT whose body is sent chunked (no Content-Length), as a streaming client would. */
function putChunked(path: string, chunks: readonly Buffer[], contentType = 'application/octet-stream'): Promise<{ status: number; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'PUT', headers: { 'x-test-role': 'Administrator', 'content-type': contentType, 'transfer-encoding': 'chunked' } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
    });
    // The server may answer and close before every chunk is written.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

/** supertest's parser for raw bytes; at parse time its response is the incoming stream. */
const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const parts: Buffer[] = [];
  stream.on('data', (c: Buffer) => parts.push(c));
  stream.on('end', () => cb(null, Buffer.concat(parts)));
};

describe('template and profile libraries', () => {
  const kickstart = '# kickstart for <%= node.name %>\nrootpw --iscrypted {{ options.rootPassword }}\n# ünïcode\n';

  it('stores a raw text source (201) that reads back byte for byte and is what the renderer finds', async () => {
    const res = await h.as('Operator').put('/api/2.0/templates/library/site.ks').set('content-type', 'text/plain').send(kickstart);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'site.ks', scope: 'global', size: Buffer.byteLength(kickstart), hash: createHash('md5').update(kickstart).digest('hex') });
    const back = await h.as('ReadOnly').get('/api/current/templates/library/site.ks');
    expect(back.status).toBe(200);
    expect(back.headers['content-type']).toMatch(/^text\/plain/);
    expect(back.text).toBe(kickstart);
    expect((await new ProfileLibrary(h.ports.documents.collection('templates'), () => true).get('site.ks'))?.contents).toBe(kickstart);
    // curl --data-binary sends the form type; the body is still the raw source.
    expect((await h.as().put('/api/2.0/profiles/library/site.ipxe').set('content-type', 'application/x-www-form-urlencoded').send('#!ipxe\nexit\n')).status).toBe(201);
    expect((await h.as().get('/api/2.0/profiles/library/site.ipxe')).text).toBe('#!ipxe\nexit\n');
    expect((await h.as('ReadOnly').get('/api/2.0/profiles/metadata/site.ipxe')).body).toMatchObject({ name: 'site.ipxe', scope: 'global', source: 'api', size: 12 });
    expect(((await h.as('ReadOnly').get('/api/2.0/profiles/library')).body as { name: string }[]).map((p) => p.name)).toContain('site.ipxe');
    expect(((await h.as('ReadOnly').get('/api/2.0/profiles/metadata?name=site.ipxe')).body as unknown[]).length).toBe(1);
    expect((await h.as('Operator').delete('/api/2.0/profiles/library/site.ipxe')).status).toBe(204);
    expect((await h.as().get('/api/2.0/profiles/library/site.ipxe')).status).toBe(404);
  });

  it('keeps SKU-scoped versions apart, lists metadata paged and filtered, and deletes (204 then 404)', async () => {
    expect((await h.as().put('/api/2.0/templates/library/site.ks?scope=sku-1').set('content-type', 'text/plain').send('scoped\n')).status).toBe(201);
    expect((await h.as().get('/api/2.0/templates/library/site.ks?scope=sku-1')).text).toBe('scoped\n');
    expect((await h.as().get('/api/2.0/templates/library/site.ks')).text).toBe(kickstart);
    const meta = await h.as('ReadOnly').get('/api/2.0/templates/metadata?name=site.ks');
    expect((meta.body as { scope: string }[]).map((m) => m.scope).sort()).toEqual(['global', 'sku-1']);
    expect((await h.as('ReadOnly').get('/api/2.0/templates/metadata/site.ks?scope=sku-1')).body).toMatchObject({ scope: 'sku-1', size: 7 });
    expect((await h.as('ReadOnly').get('/api/2.0/templates/library?$top=1')).headers['link']).toContain('rel="first"');
    expect((await h.as('Operator').delete('/api/2.0/templates/library/site.ks?scope=sku-1')).status).toBe(204);
    expect((await h.as().get('/api/2.0/templates/library/site.ks?scope=sku-1')).status).toBe(404);
    expect((await h.as().get('/api/2.0/templates/metadata/nope.ks')).status).toBe(404);
    expect((await h.as().delete('/api/2.0/templates/library/nope.ks')).status).toBe(404);
    expect(errorPaths((await h.as().get('/api/2.0/templates/library/site.ks?scope=a%20b')).body)).toEqual(['query.scope']);
  });

  it('refuses other media types (415), sources over the limit (413, declared or chunked) and non-UTF-8 text (400)', async () => {
    expect((await h.as().put('/api/2.0/templates/library/x.ks').set('content-type', 'application/json').send('{"a":1}')).status).toBe(415);
    expect((await h.as().put('/api/2.0/profiles/library/x.ipxe').set('content-type', 'image/png').send(Buffer.from([0x89, 0x50]))).status).toBe(415);
    expect((await h.as().put('/api/2.0/templates/library/x.ks').set('content-type', 'text/plain').send('x'.repeat(SOURCE_LIMIT + 1))).status).toBe(413);
    expect((await putChunked('/api/2.0/templates/library/x.ks', [Buffer.alloc(3000, 0x61), Buffer.alloc(3000, 0x61)], 'text/plain')).status).toBe(413);
    const latin1 = await h.as().put('/api/2.0/templates/library/x.ks').set('content-type', 'text/plain').send(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    expect(latin1.status).toBe(400);
    expect(errorPaths(latin1.body)).toEqual(['body']);
    expect((await h.as().get('/api/2.0/templates/library/x.ks')).status).toBe(404);
    expect((await h.as('ReadOnly').put('/api/2.0/templates/library/x.ks').set('content-type', 'text/plain').send('x')).status).toBe(403);
  });
});

describe('/files', () => {
  const v1 = randomBytes(100_000);
  const v2 = randomBytes(150_000);
  let uuid1 = '';

  it('stores a binary body (201 with its uuid) with md5 and sha256 computed while streaming', async () => {
    const res = await h.as('Operator').put('/api/2.0/files/image.bin').set('content-type', 'application/octet-stream').send(v1);
    expect(res.status).toBe(201);
    uuid1 = res.body as string;
    expect(uuid1).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['location']).toBe(`/api/2.0/files/${uuid1}`);
    expect((await h.as().get('/api/2.0/files/image.bin/md5')).body).toBe(createHash('md5').update(v1).digest('hex'));
    expect((await h.as().get('/api/2.0/files/image.bin/metadata')).body).toMatchObject({ uuid: uuid1, basename: 'image.bin', size: v1.length, version: 1, sha256: createHash('sha256').update(v1).digest('hex') });
    const down = await h.as('ReadOnly').get('/api/2.0/files/image.bin').buffer(true).parse(binary);
    expect(down.status).toBe(200);
    expect(Buffer.compare(down.body as Buffer, v1)).toBe(0);
  });

  it('serves byte ranges (206) and makes each upload of a name a new version', async () => {
    const range = await h.as().get(`/api/2.0/files/${uuid1}`).set('range', 'bytes=1000-1099').buffer(true).parse(binary);
    expect(range.status).toBe(206);
    expect(range.headers['content-range']).toBe(`bytes 1000-1099/${v1.length}`);
    expect(Buffer.compare(range.body as Buffer, v1.subarray(1000, 1100))).toBe(0);
    expect((await h.as().get(`/api/2.0/files/${uuid1}`).set('range', `bytes=${v1.length + 10}-`)).status).toBe(416);
    const head = await request(h.app).head('/api/2.0/files/image.bin').set('x-test-role', 'ReadOnly');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(v1.length));

    const second = await putChunked('/api/2.0/files/image.bin', [v2.subarray(0, 70_000), v2.subarray(70_000)]);
    expect(second.status).toBe(201);
    const uuid2 = JSON.parse(second.body) as string;
    expect((await h.as().get('/api/2.0/files/image.bin/metadata')).body).toMatchObject({ uuid: uuid2, version: 2, size: v2.length });
    expect(Buffer.compare((await h.as().get('/api/2.0/files/image.bin').buffer(true).parse(binary)).body as Buffer, v2)).toBe(0);
    expect(Buffer.compare((await h.as().get(`/api/2.0/files/${uuid1}`).buffer(true).parse(binary)).body as Buffer, v1)).toBe(0);
    const list = await h.as('ReadOnly').get('/api/2.0/files?basename=image.bin');
    expect((list.body as { version: number }[]).map((f) => f.version)).toEqual([1, 2]);

    expect((await h.as('Operator').delete(`/api/2.0/files/${uuid2}`)).status).toBe(204);
    expect((await h.as().get('/api/2.0/files/image.bin/metadata')).body).toMatchObject({ uuid: uuid1 });
    expect((await h.as('Operator').delete('/api/2.0/files/image.bin')).status).toBe(204);
    expect((await h.as().get('/api/2.0/files/image.bin')).status).toBe(404);
    expect((await h.as().get('/api/2.0/files/image.bin/md5')).status).toBe(404);
    expect((await h.as().delete('/api/2.0/files/image.bin')).status).toBe(404);
    expect(readdirSync(filesDir(h.ports.config.dataDir))).toEqual([]);
  });

  it('refuses oversized uploads (413, declared or chunked) leaving nothing behind, other media types (415), bad names (400)', async () => {
    expect((await h.as().put('/api/2.0/files/big.iso').set('content-type', 'application/octet-stream').send(Buffer.alloc(FILE_LIMIT + 1))).status).toBe(413);
    const chunked = await putChunked('/api/2.0/files/big.iso', Array.from({ length: 8 }, () => Buffer.alloc(64 * 1024)));
    expect(chunked.status).toBe(413);
    expect(readdirSync(filesDir(h.ports.config.dataDir))).toEqual([]);
    expect(await h.ports.documents.collection('files').count({ basename: 'big.iso' })).toBe(0);
    expect((await h.as().put('/api/2.0/files/x.bin').set('content-type', 'application/json').send('{}')).status).toBe(415);
    expect((await h.as().put('/api/2.0/files/x.bin').set('content-type', 'multipart/form-data; boundary=x').send('--x--')).status).toBe(415);
    expect(errorPaths((await h.as().put('/api/2.0/files/..').send(Buffer.from('x'))).body)).toEqual(['params.name']);
    expect((await h.as('ReadOnly').put('/api/2.0/files/x.bin').send(Buffer.from('x'))).status).toBe(403);
  });
});
