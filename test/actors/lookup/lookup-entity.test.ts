import { afterEach, describe, expect, it } from 'vitest';
import { normalizeMac } from '../../../src/actors/lookup/mac-address.ts';
import type { MonorailError } from '../../../src/errors.ts';
import { startFixture, type MonorailFixture } from '../../support/monorail-fixture.ts';

let fixture: MonorailFixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

const macOf = (i: number): string =>
  normalizeMac(`02:00:${[(i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`);

describe('lookups', () => {
  it('creates exactly one node per unknown MAC under concurrent first contact of 1,000 MACs', async () => {
    fixture = await startFixture();
    const { monorail } = fixture;
    const macs = Array.from({ length: 1000 }, (_, i) => macOf(i));
    // Every machine sends three packets at the same moment (DISCOVER retries, TFTP, syslog).
    const resolutions = await Promise.all(
      macs.flatMap((mac) => [0, 1, 2].map((k) => monorail.lookups.ask(mac, { type: 'lookup.resolve', ipAddress: `10.0.${k}.1` }, 30_000))),
    );
    const byMac = new Map<string, Set<string>>();
    for (const r of resolutions) byMac.set(r.macAddress, (byMac.get(r.macAddress) ?? new Set()).add(r.nodeId));
    expect(byMac.size).toBe(1000);
    expect([...byMac.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(resolutions.filter((r) => r.created)).toHaveLength(1000);

    const nodes = monorail.store.documents.collection('nodes');
    expect(await nodes.count({})).toBe(1000);
    expect((await monorail.store.journal.keys('node:')).length).toBe(1000);
    const lookups = monorail.store.documents.collection('lookups');
    expect(await lookups.count({})).toBe(1000);
    const sample = macs[123]!;
    const doc = await lookups.get(sample);
    expect(doc?.node).toBe([...byMac.get(sample)!][0]);
    expect((await nodes.find({ identifiers: sample }))[0]?.id).toBe(doc?.node);
  }, 120_000);

  it('binds a MAC claimed for an API-created node and refuses it to another node', async () => {
    fixture = await startFixture();
    const { monorail } = fixture;
    const mac = normalizeMac('AA-BB-CC-00-11-22');
    const claimed = await monorail.lookups.ask(mac, { type: 'lookup.claim', nodeId: '5f00000000000000000000aa' });
    expect(claimed).toMatchObject({ nodeId: '5f00000000000000000000aa', created: false });
    expect((await monorail.lookups.ask(mac, { type: 'lookup.resolve' })).nodeId).toBe('5f00000000000000000000aa');
    const err = (await monorail.lookups.ask(mac, { type: 'lookup.claim', nodeId: '5f00000000000000000000bb' }).catch((e: unknown) => e)) as MonorailError;
    expect(err.code).toBe('DUPLICATE_KEY');
    expect(await monorail.lookups.ask(mac, { type: 'lookup.release', nodeId: '5f00000000000000000000aa' })).toBe(true);
    expect(await monorail.store.documents.collection('lookups').get(mac)).toBeUndefined();
  });

  it('tracks the IP address a MAC was last seen with, queryable by IP', async () => {
    fixture = await startFixture();
    const { monorail } = fixture;
    const mac = macOf(7);
    await monorail.lookups.ask(mac, { type: 'lookup.resolve', ipAddress: '172.31.128.10' });
    await monorail.lookups.ask(mac, { type: 'lookup.resolve', ipAddress: '172.31.128.11' });
    const byIp = await monorail.store.documents.collection('lookups').find({ ipAddress: '172.31.128.11' });
    expect(byIp.map((d) => d.macAddress)).toEqual([mac]);
  });
});

describe('normalizeMac', () => {
  it.each([
    ['AA:BB:CC:DD:EE:FF', 'aa:bb:cc:dd:ee:ff'],
    ['aa-bb-cc-dd-ee-ff', 'aa:bb:cc:dd:ee:ff'],
    ['aabb.ccdd.eeff', 'aa:bb:cc:dd:ee:ff'],
    ['AABBCCDDEEFF', 'aa:bb:cc:dd:ee:ff'],
  ])('%s → %s', (input, out) => expect(normalizeMac(input)).toBe(out));

  it.each(['', 'aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:fg', 'aa:bb-cc:dd:ee:ff', 'aa:bb:cc:dd:ee:ff:00', '../../etc/passwd', 'aa::bb:cc:dd:ee:ff'])(
    'rejects %j',
    (input) => expect(() => normalizeMac(input)).toThrow(/not a MAC address/),
  );
});
