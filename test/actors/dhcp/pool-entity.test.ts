import { afterEach, describe, expect, it } from 'vitest';
import { createPoolBehavior } from '../../../src/actors/dhcp/pool-entity.ts';
import { ActorLeasePool } from '../../../src/protocols/dhcp/actor-lease-pool.ts';
import type { PoolCommand, PoolSpec } from '../../../src/actors/dhcp/pool-protocol.ts';
import type { EntityRouter } from '../../../src/actors/runtime/entity-router.ts';
import { ManualClock } from '../../../src/actors/runtime/clock.ts';
import type { MonorailError } from '../../../src/errors.ts';
import { startFixture, type MonorailFixture } from '../../support/monorail-fixture.ts';
import { tempStore, type TempStore } from '../../support/temp-store.ts';

const spec = (more: Partial<PoolSpec> = {}): PoolSpec => ({
  subnet: '10.99.0.0/24',
  shards: 1,
  rangeStart: '10.99.0.10',
  rangeEnd: '10.99.0.250',
  leaseSeconds: 600,
  reservations: [{ mac: '02:00:00:00:0f:01', ipAddress: '10.99.0.5', hostname: 'r7-u12' }],
  excluded: ['10.99.0.1', '10.99.0.11'],
  offerHoldMs: 30_000,
  declineHoldMs: 600_000,
  ...more,
});
const macOf = (i: number): string => `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

let fixtures: MonorailFixture[] = [];
const temps: TempStore[] = [];
afterEach(async () => {
  for (const f of fixtures) await f.stop();
  fixtures = [];
  for (const t of temps.splice(0)) t.cleanup();
});

async function pools(options: { spec?: PoolSpec; clock?: ManualClock; temp?: TempStore } = {}): Promise<{ fixture: MonorailFixture; pool: EntityRouter<PoolCommand> }> {
  const fixture = await startFixture({ ...(options.clock ? { clock: options.clock } : {}), ...(options.temp ? { temp: options.temp } : {}) });
  fixtures.push(fixture);
  return { fixture, pool: fixture.monorail.system.entities(createPoolBehavior({ pools: [options.spec ?? spec()] })) };
}

const id = '10.99.0.0/24#0';

describe('DHCP lease-pool entity', () => {
  it('offers 200 racing clients 200 different addresses, never an excluded one, and each the same one again (F1)', async () => {
    const { pool } = await pools();
    const offers = await Promise.all(Array.from({ length: 200 }, (_, i) => pool.ask(id, { type: 'pool.offer', mac: macOf(i) })));
    const ips = offers.map((o) => (o.ok ? o.ip : o.reason));
    expect(new Set(ips).size).toBe(200);
    expect(ips).not.toContain('10.99.0.11');
    expect(ips).not.toContain('10.99.0.1');
    const again = await Promise.all(Array.from({ length: 200 }, (_, i) => pool.ask(id, { type: 'pool.offer', mac: macOf(i) })));
    expect(again.map((o) => (o.ok ? o.ip : o.reason))).toEqual(ips);
  });

  it('holds an offer for its client until the hold ends, then offers the address to another', async () => {
    const clock = new ManualClock();
    const { pool } = await pools({ clock, spec: spec({ rangeStart: '10.99.0.20', rangeEnd: '10.99.0.20' }) });
    expect(await pool.ask(id, { type: 'pool.offer', mac: macOf(1) })).toMatchObject({ ok: true, ip: '10.99.0.20', leaseSeconds: 600 });
    expect(await pool.ask(id, { type: 'pool.offer', mac: macOf(2) })).toMatchObject({ ok: false, reason: 'no free address in 10.99.0.0/24' });
    clock.advance(30_001);
    expect(await pool.ask(id, { type: 'pool.offer', mac: macOf(2) })).toMatchObject({ ok: true, ip: '10.99.0.20' });
  });

  it('prefers the address a client asks for when it is free (RFC 2131 §4.3.1)', async () => {
    const { pool } = await pools();
    expect(await pool.ask(id, { type: 'pool.offer', mac: macOf(1), requestedIp: '10.99.0.77' })).toMatchObject({ ip: '10.99.0.77' });
    expect(await pool.ask(id, { type: 'pool.offer', mac: macOf(2), requestedIp: '10.99.0.77' })).not.toMatchObject({ ip: '10.99.0.77' });
    expect(await pool.ask(id, { type: 'pool.offer', mac: macOf(3), requestedIp: '10.99.0.5' })).not.toMatchObject({ ip: '10.99.0.5' });
    expect(await pool.ask(id, { type: 'pool.offer', mac: macOf(4), requestedIp: '192.168.1.1' })).toMatchObject({ ok: true });
  });

  it('gives a reservation to its MAC only, with its host name', async () => {
    const { pool } = await pools();
    expect(await pool.ask(id, { type: 'pool.offer', mac: '02:00:00:00:0f:01' })).toEqual({ ok: true, ip: '10.99.0.5', leaseSeconds: 600, hostname: 'r7-u12' });
    expect(await pool.ask(id, { type: 'pool.request', mac: '02:00:00:00:0f:01', ip: '10.99.0.5', kind: 'selecting' })).toMatchObject({ outcome: 'ack', hostname: 'r7-u12' });
    expect(await pool.ask(id, { type: 'pool.request', mac: macOf(9), ip: '10.99.0.5', kind: 'init-reboot' })).toMatchObject({ outcome: 'nak' });
    expect(await pool.ask(id, { type: 'pool.request', mac: '02:00:00:00:0f:01', ip: '10.99.0.30', kind: 'init-reboot' })).toMatchObject({
      outcome: 'nak',
      reason: 'client has the reservation 10.99.0.5',
    });
  });

  it('acknowledges requests per RFC 2131 §4.3.2', async () => {
    const clock = new ManualClock();
    const { pool } = await pools({ clock });
    const a = macOf(1);
    const b = macOf(2);
    const offer = await pool.ask(id, { type: 'pool.offer', mac: a });
    if (!offer.ok) throw new Error(offer.reason);
    const ack = await pool.ask(id, { type: 'pool.request', mac: a, ip: offer.ip, kind: 'selecting' });
    expect(ack).toEqual({ outcome: 'ack', ip: offer.ip, leaseSeconds: 600, expiresAt: clock.now() + 600_000 });
    expect(await pool.ask(id, { type: 'pool.request', mac: b, ip: offer.ip, kind: 'selecting' })).toMatchObject({ outcome: 'nak', reason: `${offer.ip} is leased to another client` });
    // An offer held for A is refused to B; a free address B selected is granted (its hold may have been lost in a restart).
    const held = await pool.ask(id, { type: 'pool.offer', mac: macOf(3) });
    if (!held.ok) throw new Error(held.reason);
    expect(await pool.ask(id, { type: 'pool.request', mac: b, ip: held.ip, kind: 'selecting' })).toMatchObject({ outcome: 'nak', reason: `${held.ip} is offered to another client` });
    expect(await pool.ask(id, { type: 'pool.request', mac: b, ip: '10.99.0.200', kind: 'selecting' })).toMatchObject({ outcome: 'ack', ip: '10.99.0.200' });
    await pool.ask(id, { type: 'pool.release', mac: b, ip: '10.99.0.200' });
    expect(await pool.ask(id, { type: 'pool.request', mac: b, ip: '10.99.0.201', kind: 'init-reboot' })).toMatchObject({ outcome: 'ignore' });
    expect(await pool.ask(id, { type: 'pool.request', mac: b, ip: '10.99.0.201', kind: 'rebinding' })).toMatchObject({ outcome: 'ignore' });
    expect(await pool.ask(id, { type: 'pool.request', mac: b, ip: '10.98.0.200', kind: 'init-reboot' })).toMatchObject({ outcome: 'nak', reason: '10.98.0.200 is not on 10.99.0.0/24' });
    expect(await pool.ask(id, { type: 'pool.request', mac: b, ip: '10.99.0.3', kind: 'init-reboot' })).toMatchObject({ outcome: 'nak', reason: '10.99.0.3 is outside the pool' });
    expect(await pool.ask(id, { type: 'pool.request', mac: b, ip: '10.99.0.11', kind: 'init-reboot' })).toMatchObject({ outcome: 'nak' });
    clock.advance(400_000);
    const renewed = await pool.ask(id, { type: 'pool.request', mac: a, ip: offer.ip, kind: 'renewing' });
    expect(renewed).toMatchObject({ outcome: 'ack', expiresAt: clock.now() + 600_000 });
    // A lease that lapsed but was not reused is still the client's.
    clock.advance(700_000);
    expect(await pool.ask(id, { type: 'pool.request', mac: a, ip: offer.ip, kind: 'init-reboot' })).toMatchObject({ outcome: 'ack' });
  });

  it('keeps a declined address out of the pool for the quarantine, and only its holder can decline it', async () => {
    const clock = new ManualClock();
    const { pool } = await pools({ clock, spec: spec({ rangeStart: '10.99.0.20', rangeEnd: '10.99.0.21' }) });
    const a = macOf(1);
    expect(await pool.ask(id, { type: 'pool.offer', mac: a })).toMatchObject({ ip: '10.99.0.20' });
    expect(await pool.ask(id, { type: 'pool.decline', mac: macOf(7), ip: '10.99.0.20' })).toBe(false);
    expect(await pool.ask(id, { type: 'pool.decline', mac: macOf(7), ip: '10.99.0.21' })).toBe(false);
    expect(await pool.ask(id, { type: 'pool.decline', mac: a, ip: '10.99.0.20' })).toBe(true);
    expect(await pool.ask(id, { type: 'pool.offer', mac: a })).toMatchObject({ ip: '10.99.0.21' });
    expect(await pool.ask(id, { type: 'pool.offer', mac: macOf(2) })).toMatchObject({ ok: false });
    clock.advance(600_001);
    expect(await pool.ask(id, { type: 'pool.offer', mac: macOf(2), requestedIp: '10.99.0.20' })).toMatchObject({ ip: '10.99.0.20' });
  });

  it('frees a released lease, and gives the client its previous address back', async () => {
    const { pool } = await pools();
    const a = macOf(1);
    const offer = await pool.ask(id, { type: 'pool.offer', mac: a });
    if (!offer.ok) throw new Error(offer.reason);
    await pool.ask(id, { type: 'pool.request', mac: a, ip: offer.ip, kind: 'selecting' });
    expect(await pool.ask(id, { type: 'pool.release', mac: macOf(2), ip: offer.ip })).toBe(false);
    expect(await pool.ask(id, { type: 'pool.release', mac: a, ip: offer.ip })).toBe(true);
    expect(await pool.ask(id, { type: 'pool.release', mac: a, ip: offer.ip })).toBe(false);
    const leases = await pool.ask(id, { type: 'pool.leases' });
    expect(leases).toEqual([expect.objectContaining({ ip: offer.ip, mac: a, state: 'released' })]);
    expect(await pool.ask(id, { type: 'pool.offer', mac: a })).toMatchObject({ ip: offer.ip });
  });

  it('releases other addresses held for a client when it binds one', async () => {
    const { pool } = await pools();
    const a = macOf(1);
    await pool.ask(id, { type: 'pool.offer', mac: a, requestedIp: '10.99.0.40' });
    await pool.ask(id, { type: 'pool.request', mac: a, ip: '10.99.0.40', kind: 'selecting' });
    await pool.ask(id, { type: 'pool.release', mac: a, ip: '10.99.0.40' });
    const offer = await pool.ask(id, { type: 'pool.offer', mac: a, requestedIp: '10.99.0.41' });
    expect(offer).toMatchObject({ ip: '10.99.0.40' });
  });

  it('keeps leases across a restart of the member (journal and snapshot)', async () => {
    const temp = tempStore();
    temps.push(temp);
    const first = await pools({ temp });
    const offers: string[] = [];
    for (let i = 0; i < 120; i++) {
      const o = await first.pool.ask(id, { type: 'pool.offer', mac: macOf(i) });
      if (!o.ok) throw new Error(o.reason);
      await first.pool.ask(id, { type: 'pool.request', mac: macOf(i), ip: o.ip, kind: 'selecting' });
      offers.push(o.ip);
    }
    await first.fixture.stop();
    fixtures = [];
    const second = await pools({ temp });
    const leases = await second.pool.ask(id, { type: 'pool.leases' });
    expect(leases.filter((l) => l.state === 'bound').map((l) => l.ip).sort()).toEqual([...offers].sort());
    expect(await second.pool.ask(id, { type: 'pool.request', mac: macOf(5), ip: offers[5]!, kind: 'renewing' })).toMatchObject({ outcome: 'ack' });
    expect(await second.pool.ask(id, { type: 'pool.request', mac: macOf(6), ip: offers[5]!, kind: 'init-reboot' })).toMatchObject({ outcome: 'nak' });
    const fresh = await second.pool.ask(id, { type: 'pool.offer', mac: macOf(500) });
    expect(fresh.ok && offers.includes(fresh.ip)).toBe(false);
  });

  it('refuses a pool it has no configuration for', async () => {
    const { pool } = await pools();
    const e = (await pool.ask('10.1.0.0/16#0', { type: 'pool.offer', mac: macOf(1) }).catch((x: unknown) => x)) as MonorailError;
    expect(e.code).toBe('NOT_FOUND');
  });

  it('shares a subnet among shard entities by address: unique offers, each shard its own addresses, overflow to the others', async () => {
    const sharded = spec({ shards: 4, rangeStart: '10.99.0.20', rangeEnd: '10.99.0.59', reservations: [{ mac: '02:00:00:00:0f:01', ipAddress: '10.99.0.5' }] });
    const { fixture } = await pools();
    const router = fixture.monorail.system.entities({ ...createPoolBehavior({ pools: [sharded] }), kind: 'dhcp-pool-sharded' });
    const leases = new ActorLeasePool(router, [sharded], 5000);
    const offers = await Promise.all(Array.from({ length: 40 }, (_, i) => leases.offer('10.99.0.0/24', macOf(i))));
    const ips = offers.map((o) => (o.ok ? o.ip : o.reason));
    expect(new Set(ips).size).toBe(40);
    expect(ips.every((ip) => /^10\.99\.0\.([2-5]\d)$/.test(ip))).toBe(true);
    expect(await leases.offer('10.99.0.0/24', macOf(99))).toMatchObject({ ok: false });
    expect(await leases.offer('10.99.0.0/24', '02:00:00:00:0f:01')).toMatchObject({ ok: true, ip: '10.99.0.5' });
    for (let k = 0; k < 4; k++) {
      const held = await router.ask(`10.99.0.0/24#${k}`, { type: 'pool.leases' });
      expect(held.every((l) => Number(l.ip.split('.')[3]) % 4 === k)).toBe(true);
    }
    const ip = ips[7]!;
    expect(await leases.request('10.99.0.0/24', macOf(7), ip, 'selecting')).toMatchObject({ outcome: 'ack', ip });
    expect(await leases.request('10.99.0.0/24', macOf(8), ip, 'selecting')).toMatchObject({ outcome: 'nak' });
    expect(await leases.release('10.99.0.0/24', macOf(7), ip)).toBe(true);
  });
});
