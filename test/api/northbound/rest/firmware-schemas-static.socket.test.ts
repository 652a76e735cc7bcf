/**
 * The smaller RackHD 2.0 views on a real member: `GET /catalogs/{id}/firmware` (BIOS, BMC, NIC and disk
 * firmware from the node's latest catalogs, by catalog id or node), `GET /schemas/tasks[/{name}]` (task option
 * schemas from the engine's library) and `GET /files/static/list` (the static root, walked without following
 * links or showing dot-files).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listStaticFiles } from '../../../../src/api/northbound/rest/static-file-routes.ts';
import { startRest, type RestHarness } from './rest-harness.ts';

let h: RestHarness;
let node: string;
let root: string;
beforeAll(async () => {
  h = await startRest();
  node = ((await h.as().post('/api/2.0/nodes').send({ name: 'fw', type: 'compute' })).body as { id: string }).id;
  root = mkdtempSync(path.join(tmpdir(), 'monorail-static-'));
});
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await h.stop();
});

describe('GET /catalogs/{id}/firmware', () => {
  it('lists BIOS, BMC, NIC and disk firmware from the latest catalogs, by catalog id or node', async () => {
    const catalogs = h.ports.documents.collection('catalogs');
    const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString();
    await catalogs.put({ id: 'f00000000000000000000001', node, source: 'dmi', data: { 'BIOS Information': { Vendor: 'SeaBIOS', Version: '1.0-old', 'Release Date': '01/01/2014' } }, createdAt: at(1) });
    await catalogs.put({ id: 'f00000000000000000000002', node, source: 'dmi', data: { 'BIOS Information': { Vendor: 'SeaBIOS', Version: '1.16.3', 'Release Date': '04/01/2024' } }, createdAt: at(2) });
    await catalogs.put({ id: 'f00000000000000000000003', node, source: 'ipmi-mc-info', data: { 'Firmware Revision': '2.10', 'Manufacturer Name': 'Monorail Sim' }, createdAt: at(3) });
    await catalogs.put({ id: 'f00000000000000000000004', node, source: 'ethtool', data: { eth0: { driver: { driver: 'e1000e', 'firmware-version': '0.13-4' } }, lo: { settings: {} }, eth1: { driver: { driver: 'virtio_net', 'firmware-version': 'N/A' } } }, createdAt: at(4) });
    await catalogs.put({ id: 'f00000000000000000000005', node, source: 'smart', data: [{ 'OS Device Name': '/dev/sda', SMART: { Identity: { 'Device Model': 'QEMU HARDDISK', 'Firmware Version': '2.5+' } } }], createdAt: at(5) });
    const expected = [
      { component: 'BIOS', name: 'BIOS', version: '1.16.3', vendor: 'SeaBIOS', releaseDate: '04/01/2024', source: 'dmi', catalog: 'f00000000000000000000002' },
      { component: 'BMC', name: 'BMC', version: '2.10', vendor: 'Monorail Sim', source: 'ipmi-mc-info' },
      { component: 'NIC', name: 'eth0', version: '0.13-4', model: 'e1000e', source: 'ethtool' },
      { component: 'Disk', name: '/dev/sda', version: '2.5+', model: 'QEMU HARDDISK', source: 'smart' },
    ];
    const byCatalog = await h.as('ReadOnly').get('/api/2.0/catalogs/f00000000000000000000003/firmware');
    expect(byCatalog.status).toBe(200);
    expect(byCatalog.body).toMatchObject(expected);
    expect(byCatalog.body).toHaveLength(4);
    expect((await h.as().get(`/api/2.0/catalogs/${node}/firmware`)).body).toEqual(byCatalog.body);
  });

  it('answers an empty list for a node without catalogs and 404 for an unknown id', async () => {
    const bare = ((await h.as().post('/api/2.0/nodes').send({ name: 'bare', type: 'compute' })).body as { id: string }).id;
    expect((await h.as().get(`/api/2.0/catalogs/${bare}/firmware`)).body).toEqual([]);
    expect((await h.as().get('/api/2.0/catalogs/ffffffffffffffffffffffff/firmware')).status).toBe(404);
    expect((await h.as().get('/api/2.0/catalogs/x/firmware').unset('x-test-role')).status).toBe(401);
  });
});

describe('GET /schemas/tasks', () => {
  it('lists every task definition\u2019s schema location, paged, and serves each schema', async () => {
    const list = await h.as('ReadOnly').get('/api/2.0/schemas/tasks?$top=1000');
    expect(list.status).toBe(200);
    expect(list.body).toContain('/api/2.0/schemas/tasks/Task.Obm.Node.IdentifyOn');
    expect(Number(list.headers['x-total-count'])).toBe(h.ports.workflows.library.list('task').length);
    const paged = await h.as().get('/api/2.0/schemas/tasks?$top=2&$skip=1');
    expect(paged.body).toHaveLength(2);
    expect(paged.headers['link']).toMatch(/rel="next"/);

    const one = await h.as().get('/api/2.0/schemas/tasks/Task.Obm.Node.IdentifyOn');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ title: 'Task.Obm.Node.IdentifyOn', type: 'object', required: ['action'], properties: { action: {}, obmServiceName: {} } });
    expect((await h.as().get('/api/2.0/schemas/tasks/Task.No.Such')).status).toBe(404);
    expect((await h.as().get('/api/2.0/schemas/tasks?colour=red')).status).toBe(400);
    // The body schemas list is still served beside it.
    expect((await h.as().get('/api/2.0/schemas')).status).toBe(200);
  });
});

describe('GET /files/static/list', () => {
  it('lists the static root\u2019s files, not dot-files, not through symbolic links', async () => {
    mkdirSync(path.join(root, 'images', 'debian'), { recursive: true });
    writeFileSync(path.join(root, 'vmlinuz'), 'k');
    writeFileSync(path.join(root, 'images', 'debian', 'initrd.gz'), 'i');
    writeFileSync(path.join(root, '.secret'), 's');
    const outside = mkdtempSync(path.join(tmpdir(), 'monorail-outside-'));
    writeFileSync(path.join(outside, 'passwd'), 'x');
    symlinkSync(outside, path.join(root, 'link'));
    try {
      expect(await listStaticFiles(root)).toEqual(['images/debian/initrd.gz', 'vmlinuz']);
      expect(await listStaticFiles(path.join(root, 'missing'))).toEqual([]);
      expect(await listStaticFiles(root, 1)).toEqual(['images/debian/initrd.gz']);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('serves the member\u2019s static root as [{uri}], paged', async () => {
    const res = await h.as('ReadOnly').get('/api/2.0/files/static/list');
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    const expected = (await listStaticFiles(h.ports.config.http.staticRoot)).map((uri) => ({ uri }));
    expect(res.body).toEqual(expected.slice(0, 1000));
    expect(res.headers['x-total-count']).toBe(String(expected.length));
    expect((await h.as().get('/api/2.0/files/static/list?$top=0')).status).toBe(400);
  });
});
