/**
 * RackHD's SKU pack API on a real member: `POST /skus/pack` creates the SKU from the pack's config.json and
 * installs its templates and profiles in the SKU's scope and its task and graph definitions as
 * `<name>::<skuId>`; `PUT /skus/{id}/pack` replaces a pack; `DELETE /skus/{id}/pack` removes exactly what it
 * installed. Tarballs are built byte by byte (tar-builder.ts). Damaged, hostile and incomplete packs are
 * named 400s and leave nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorPaths, startRest, type RestHarness } from './rest-harness.ts';
import { tarball } from './tar-builder.ts';

let h: RestHarness;
const RULES = [{ path: 'dmi.System Information.Product Name', equals: 'X' }];
beforeAll(async () => {
  h = await startRest({ limits: { maxPackBytes: 256 * 1024 } });
});
afterAll(async () => {
  await h.stop();
});

const config = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name, rules: [{ path: 'dmi.System Information.Product Name', equals: 'R630' }], httpTemplateRoot: 'templates', httpProfileRoot: 'profiles', taskRoot: 'tasks', workflowRoot: 'workflows', skuConfig: { ntp: '10.0.0.1' }, ...extra });
const task = { friendlyName: 'Pack shell', injectableName: 'Task.Pack.Shell', implementsTask: 'Task.Base.noop', options: { delay: 1 } };
const graph = { friendlyName: 'Pack graph', injectableName: 'Graph.Pack.Setup', tasks: [{ label: 'shell', taskName: 'Task.Pack.Shell' }, { label: 'noop', taskName: 'Task.noop', waitOn: { shell: 'finished' } }] };
const pack = (name: string, dir = '') =>
  tarball({
    [`${dir}config.json`]: config(name),
    [`${dir}templates/`]: '',
    [`${dir}templates/ks.cfg`]: `# kickstart of ${name}\n`,
    [`${dir}profiles/boot.ipxe`]: '#!ipxe\necho pack\n',
    [`${dir}tasks/shell.json`]: JSON.stringify(task),
    [`${dir}workflows/setup.json`]: JSON.stringify(graph),
  });
const send = (method: 'post' | 'put', url: string, body: Buffer, type = 'application/gzip') => h.as('Operator')[method](url).set('content-type', type).send(body);

describe('SKU packs', () => {
  it('creates a SKU from a pack (201) and installs its templates, profiles, tasks and graphs in the SKU\u2019s scope', async () => {
    const res = await send('post', '/api/2.0/skus/pack', pack('R630'));
    expect(res.status).toBe(201);
    const sku = res.body as { id: string; name: string; skuConfig: unknown; pack: { templates: string[]; profiles: string[]; tasks: string[]; graphs: string[] } };
    expect(res.headers['location']).toBe(`/api/2.0/skus/${sku.id}`);
    expect(sku).toMatchObject({ name: 'R630', skuConfig: { ntp: '10.0.0.1' }, pack: { templates: ['ks.cfg'], profiles: ['boot.ipxe'], tasks: [`Task.Pack.Shell::${sku.id}`], graphs: [`Graph.Pack.Setup::${sku.id}`] } });
    expect((await h.as().get(`/api/2.0/templates/library/ks.cfg?scope=${sku.id}`)).text).toBe('# kickstart of R630\n');
    expect((await h.as().get(`/api/2.0/profiles/library/boot.ipxe?scope=${sku.id}`)).status).toBe(200);
    const g = await h.as().get(`/api/2.0/workflows/graphs/${encodeURIComponent(`Graph.Pack.Setup::${sku.id}`)}`);
    expect(g.status).toBe(200);
    expect((g.body as { tasks: { taskName: string }[] }).tasks.map((t) => t.taskName)).toEqual([`Task.Pack.Shell::${sku.id}`, 'Task.noop']);
    expect((await h.as().get(`/api/2.0/skus/${sku.id}`)).body).toMatchObject({ name: 'R630' });

    const clash = await send('post', '/api/2.0/skus/pack', pack('R630'));
    expect(clash.status).toBe(409);
  });

  it('replaces a SKU\u2019s pack with PUT (a plain tar inside one top-level directory) and removes it with DELETE', async () => {
    const sku = ((await h.as().post('/api/2.0/skus').send({ name: 'R740', rules: [{ path: 'dmi.System Information.Product Name', equals: 'R740' }] })).body as { id: string }).id;
    const first = await send('put', `/api/2.0/skus/${sku}/pack`, pack('ignored-name', 'r740-pack/'), 'application/x-tar');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ name: 'R740', pack: { templates: ['ks.cfg'] } });
    // The second pack has no templates: the first one's go.
    const second = await send('put', `/api/2.0/skus/${sku}/pack`, tarball({ 'config.json': JSON.stringify({ httpProfileRoot: 'p' }), 'p/other.ipxe': '#!ipxe\n' }), 'application/octet-stream');
    expect(second.status).toBe(200);
    expect((await h.as().get(`/api/2.0/templates/library/ks.cfg?scope=${sku}`)).status).toBe(404);
    expect((await h.as().get(`/api/2.0/workflows/graphs/${encodeURIComponent(`Graph.Pack.Setup::${sku}`)}`)).status).toBe(404);
    expect((await h.as().get(`/api/2.0/profiles/library/other.ipxe?scope=${sku}`)).status).toBe(200);

    expect((await h.as('Operator').delete(`/api/2.0/skus/${sku}/pack`)).status).toBe(204);
    expect((await h.as().get(`/api/2.0/profiles/library/other.ipxe?scope=${sku}`)).status).toBe(404);
    expect((await h.as().get(`/api/2.0/skus/${sku}`)).body).not.toHaveProperty('pack');
    expect((await h.as().delete(`/api/2.0/skus/${sku}/pack`)).status).toBe(404);
    expect((await send('put', '/api/2.0/skus/ffffffffffffffffffffffff/pack', pack('x'))).status).toBe(404);
  });

  it('refuses damaged, hostile and incomplete packs by name, leaving nothing behind', async () => {
    const skusBefore = await h.ports.documents.collection('skus').count({});
    const templatesBefore = await h.ports.documents.collection('templates').count({});
    const cases: [Buffer, string | RegExp][] = [
      [Buffer.from('not a tarball at all'), 'body'],
      [tarball({ 'readme.txt': 'no config' }), 'pack.config.json'],
      [tarball({ 'config.json': '{nope' }), 'pack.config.json'],
      [tarball({ 'config.json': JSON.stringify({ name: 'NoRules' }) }), 'pack.config.json.rules'],
      [tarball({ 'config.json': JSON.stringify({ name: 'BadRule', rules: [{ path: 'dmi.x', bogus: 1 }] }) }), /^pack\.config\.json\.rules/],
      [tarball({ 'config.json': JSON.stringify({ name: 'Missing', rules: RULES, httpTemplateRoot: 'nowhere' }) }), 'pack.config.json.httpTemplateRoot'],
      [tarball({ 'config.json': config('Escape'), '../evil.cfg': 'x' }), 'body'],
      [tarball({ '/etc/config.json': config('Absolute') }), 'body'],
      [tarball({ 'config.json': JSON.stringify({ name: 'BadTask', rules: RULES, taskRoot: 't' }), 't/x.json': JSON.stringify({ injectableName: 'Task.Broken', implementsTask: 'Task.Base.Nope' }) }), /^pack\.task\./],
      [tarball({ 'config.json': JSON.stringify({ name: 'NotText', rules: RULES, httpTemplateRoot: 't' }), 't/bin': Buffer.from([0xff, 0xfe, 0x00]) }), 'pack.t/bin'],
    ];
    for (const [body, path] of cases) {
      const res = await send('post', '/api/2.0/skus/pack', body);
      expect(res.status, String(path)).toBe(400);
      const paths = errorPaths(res.body);
      if (typeof path === 'string') expect(paths, String(path)).toContain(path);
      else expect(paths.some((p) => path.test(p)), `${String(path)} in ${paths.join(', ')}`).toBe(true);
    }
    expect(await h.ports.documents.collection('skus').count({})).toBe(skusBefore);
    expect(await h.ports.documents.collection('templates').count({})).toBe(templatesBefore);
    expect(h.ports.workflows.library.task('Task.Broken')).toBeUndefined();

    expect((await send('post', '/api/2.0/skus/pack', pack('Typed'), 'application/json')).status).toBe(415);
    expect((await send('post', '/api/2.0/skus/pack', Buffer.alloc(300 * 1024))).status).toBe(413);
    // A gzip bomb: far more unpacked than sent is cut off by the unpacked-size limit, not read to the end.
    const bomb = tarball({ 'config.json': config('Bomb'), 'templates/big': Buffer.alloc(70 * 1024 * 1024) });
    expect(bomb.length).toBeLessThan(256 * 1024);
    expect((await send('post', '/api/2.0/skus/pack', bomb)).status).toBe(400);
    expect((await h.as('ReadOnly').post('/api/2.0/skus/pack').set('content-type', 'application/gzip').send(pack('RO'))).status).toBe(403);
  });
});
