import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPoolBehavior } from '../../../src/actors/dhcp/pool-entity.ts';
import { ActorLeasePool } from '../../../src/protocols/dhcp/actor-lease-pool.ts';
import { Opt } from '../../../src/protocols/dhcp/dhcp-constants.ts';
import { ServerResponder } from '../../../src/protocols/dhcp/server-responder.ts';
import { planSubnets, type SubnetConfig } from '../../../src/protocols/dhcp/subnet-plan.ts';
import { bootLocal } from '../../support/fake-directory-dhcp.ts';
import { clientPacket, ipxeDiscover, pxeDiscover } from '../../support/dhcp-packets.ts';
import { replyOf, requestOf, responderContext } from '../../support/dhcp-responder-context.ts';
import { startFixture, type MonorailFixture } from '../../support/monorail-fixture.ts';

const subnetConfigs: SubnetConfig[] = [
  {
    subnet: '10.99.0.0/24',
    rangeStart: '10.99.0.100',
    rangeEnd: '10.99.0.199',
    router: '10.99.0.254',
    dnsServers: ['10.99.0.1', '10.99.0.2'],
    domainName: 'rack.example',
    leaseSeconds: 3600,
    reservations: [{ mac: '52:54:00:aa:bb:cc', ipAddress: '10.99.0.50', hostname: 'r7-u12' }],
  },
  { subnet: '10.20.0.0/16', rangeStart: '10.20.1.0', rangeEnd: '10.20.1.255', router: null, dnsServers: [], domainName: null, leaseSeconds: 600, reservations: [] },
];

let fixture: MonorailFixture;
let leases: ActorLeasePool;
const subnets = planSubnets(subnetConfigs, { serverAddress: '10.99.0.1', poolShards: 4, offerHoldMs: 60_000, declineHoldMs: 600_000 });
beforeAll(async () => {
  fixture = await startFixture();
  const pools = subnets.map((s) => s.pool);
  leases = new ActorLeasePool(fixture.monorail.system.entities(createPoolBehavior({ pools })), pools, 2000);
});
afterAll(async () => {
  await fixture.stop();
});

let macs = 0;
const nextMac = (): string => `52:54:00:10:00:${(++macs).toString(16).padStart(2, '0')}`;

function server(options: { authoritative?: boolean } = {}) {
  const c = responderContext();
  return { c, s: new ServerResponder({ ...c, leases, subnets, authoritative: options.authoritative ?? true }) };
}

const ip = (b: Buffer | undefined): string | undefined => (b === undefined ? undefined : [...b].join('.'));
const u32 = (b: Buffer | undefined): number | undefined => b?.readUInt32BE(0);

describe('DHCP server mode', () => {
  it('offers a PXE ROM an address with its configuration and its loader, without option 60 (F2)', async () => {
    const { s } = server();
    const mac = nextMac();
    const r = replyOf(await s.respond(requestOf(pxeDiscover(mac, 7, { xid: 9 }))));
    expect(r.packet).toMatchObject({ xid: 9, siaddr: '10.99.0.1', file: 'snponly.efi' });
    expect(r.packet.yiaddr).toMatch(/^10\.99\.0\.1\d\d$/);
    expect(r.packet.options.get(Opt.MESSAGE_TYPE)).toEqual(Buffer.from([2]));
    expect(ip(r.packet.options.get(Opt.SUBNET_MASK))).toBe('255.255.255.0');
    expect(ip(r.packet.options.get(Opt.ROUTER))).toBe('10.99.0.254');
    expect(r.packet.options.get(Opt.DNS_SERVERS)).toEqual(Buffer.from([10, 99, 0, 1, 10, 99, 0, 2]));
    expect(r.text(Opt.DOMAIN_NAME)).toBe('rack.example');
    expect(u32(r.packet.options.get(Opt.LEASE_TIME))).toBe(3600);
    expect(u32(r.packet.options.get(Opt.RENEWAL_TIME))).toBe(1800);
    expect(u32(r.packet.options.get(Opt.REBINDING_TIME))).toBe(3150);
    expect(ip(r.packet.options.get(Opt.SERVER_ID))).toBe('10.99.0.1');
    expect(ip(r.packet.options.get(Opt.BROADCAST_ADDRESS))).toBe('10.99.0.255');
    expect(r.packet.options.has(Opt.VENDOR_CLASS)).toBe(false);
    expect(r.to).toEqual({ address: '255.255.255.255', port: 68 });
  });

  it('gives iPXE its profile URL and option 60 PXEClient, and UEFI HTTP boot option 60 HTTPClient', async () => {
    const { s } = server();
    const mac = nextMac();
    const r = replyOf(await s.respond(requestOf(ipxeDiscover(mac))));
    expect(r.packet.file).toBe(`http://10.99.0.1:8080/api/current/profiles?macs=${mac}`);
    expect(r.text(Opt.VENDOR_CLASS)).toBe('PXEClient');
    const h = replyOf(await s.respond(requestOf(clientPacket({ type: 'DISCOVER', mac: nextMac(), vendorClass: 'HTTPClient:Arch:00016:UNDI:003001', arch: 16 }))));
    expect(h.packet.file).toBe('http://10.99.0.1:8080/common/snponly.efi');
    expect(h.text(Opt.VENDOR_CLASS)).toBe('HTTPClient');
  });

  it('leases the microkernel and ordinary clients an address with no boot file (F8), and asks no node', async () => {
    const { s, c } = server();
    for (const wire of [clientPacket({ type: 'DISCOVER', mac: nextMac(), vendorClass: 'E2E-microkernel' }), clientPacket({ type: 'DISCOVER', mac: nextMac() })]) {
      const r = replyOf(await s.respond(requestOf(wire)));
      expect(r.packet.yiaddr).toMatch(/^10\.99\.0\./);
      expect(r.packet).toMatchObject({ file: '', siaddr: '0.0.0.0' });
      expect(r.packet.options.has(Opt.BOOTFILE)).toBe(false);
    }
    expect(c.directory.asked).toEqual([]);
  });

  it('leases a node that boots locally an address without boot information', async () => {
    const { s, c } = server();
    c.directory.decide(bootLocal);
    const r = replyOf(await s.respond(requestOf(pxeDiscover(nextMac()))));
    expect(r.packet).toMatchObject({ file: '', siaddr: '0.0.0.0' });
    expect(c.directory.asked[0]?.request).toMatchObject({ protocol: 'dhcp', firmware: 'pxe' });
  });

  it('answers two racing DISCOVERs with two different addresses (F1)', async () => {
    const { s } = server();
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => s.respond(requestOf(pxeDiscover(nextMac())))));
    const ips = outcomes.map((o) => replyOf(o).packet.yiaddr);
    expect(new Set(ips).size).toBe(20);
  });

  it('ACKs the offered address in SELECTING, with the boot file, records the lease IP on the node', async () => {
    const { s, c } = server();
    const mac = nextMac();
    const offered = replyOf(await s.respond(requestOf(pxeDiscover(mac)))).packet.yiaddr;
    const req = clientPacket({ type: 'REQUEST', mac, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', arch: 0, serverId: '10.99.0.1', requestedIp: offered });
    const ack = replyOf(await s.respond(requestOf(req)));
    expect(ack.packet.options.get(Opt.MESSAGE_TYPE)).toEqual(Buffer.from([5]));
    expect(ack.packet).toMatchObject({ yiaddr: offered, siaddr: '10.99.0.1', file: 'undionly.kpxe' });
    await new Promise((r) => setTimeout(r, 5));
    expect(c.directory.resolved).toContainEqual({ mac, ipAddress: offered });
    expect(c.directory.observed.map((o) => o.observation)).toContainEqual(expect.objectContaining({ messageType: 'DHCPREQUEST', ipAddress: offered }));
  });

  it('stays silent when the client chose another server, NAKs what it did not offer', async () => {
    const { s } = server();
    const mac = nextMac();
    const offered = replyOf(await s.respond(requestOf(pxeDiscover(mac)))).packet.yiaddr;
    expect(await s.respond(requestOf(clientPacket({ type: 'REQUEST', mac, serverId: '10.99.0.2', requestedIp: offered })))).toEqual({
      kind: 'silent',
      reason: 'client chose server 10.99.0.2',
    });
    const nak = replyOf(await s.respond(requestOf(clientPacket({ type: 'REQUEST', mac: nextMac(), serverId: '10.99.0.1', requestedIp: offered }))));
    expect(nak.packet.options.get(Opt.MESSAGE_TYPE)).toEqual(Buffer.from([6]));
    expect(nak.packet).toMatchObject({ yiaddr: '0.0.0.0', ciaddr: '0.0.0.0', file: '' });
    expect(nak.text(Opt.MESSAGE)).toContain('offered to another client');
    expect(nak.to).toEqual({ address: '255.255.255.255', port: 68 });
  });

  it('INIT-REBOOT: ACKs a known lease, NAKs a wrong network, is silent without a record or when not authoritative', async () => {
    const { s } = server();
    const mac = nextMac();
    const offered = replyOf(await s.respond(requestOf(pxeDiscover(mac)))).packet.yiaddr;
    await s.respond(requestOf(clientPacket({ type: 'REQUEST', mac, serverId: '10.99.0.1', requestedIp: offered })));
    expect(replyOf(await s.respond(requestOf(clientPacket({ type: 'REQUEST', mac, requestedIp: offered })))).packet.yiaddr).toBe(offered);
    expect((await s.respond(requestOf(clientPacket({ type: 'REQUEST', mac: nextMac(), requestedIp: '10.99.0.190' })))).kind).toBe('silent');
    const wrongNet = requestOf(clientPacket({ type: 'REQUEST', mac: nextMac(), requestedIp: '192.168.7.7' }));
    expect(replyOf(await s.respond(wrongNet)).packet.options.get(Opt.MESSAGE_TYPE)).toEqual(Buffer.from([6]));
    expect(await server({ authoritative: false }).s.respond(wrongNet)).toMatchObject({ kind: 'silent', reason: expect.stringContaining('not authoritative') as unknown });
  });

  it('RENEWING: ACKs unicast to ciaddr, copying ciaddr', async () => {
    const { s } = server();
    const mac = nextMac();
    const offered = replyOf(await s.respond(requestOf(clientPacket({ type: 'DISCOVER', mac })))).packet.yiaddr;
    await s.respond(requestOf(clientPacket({ type: 'REQUEST', mac, serverId: '10.99.0.1', requestedIp: offered })));
    const r = replyOf(await s.respond(requestOf(clientPacket({ type: 'REQUEST', mac, ciaddr: offered }))));
    expect(r.packet).toMatchObject({ yiaddr: offered, ciaddr: offered });
    expect(r.to).toEqual({ address: offered, port: 68 });
  });

  it('RELEASE frees the lease; DECLINE takes the address out of the pool; neither is answered', async () => {
    const { s, c } = server();
    const mac = nextMac();
    const offered = replyOf(await s.respond(requestOf(clientPacket({ type: 'DISCOVER', mac })))).packet.yiaddr;
    await s.respond(requestOf(clientPacket({ type: 'REQUEST', mac, serverId: '10.99.0.1', requestedIp: offered })));
    expect(await s.respond(requestOf(clientPacket({ type: 'RELEASE', mac, ciaddr: offered, serverId: '10.99.0.1' })))).toEqual({ kind: 'silent', reason: `${offered} released` });
    const again = replyOf(await s.respond(requestOf(clientPacket({ type: 'DISCOVER', mac })))).packet.yiaddr;
    expect(again).toBe(offered);
    expect(await s.respond(requestOf(clientPacket({ type: 'DECLINE', mac, requestedIp: again, serverId: '10.99.0.1' })))).toEqual({
      kind: 'silent',
      reason: `${again} declined: kept out of the pool`,
    });
    expect(replyOf(await s.respond(requestOf(clientPacket({ type: 'DISCOVER', mac })))).packet.yiaddr).not.toBe(again);
    expect(c.stats.snapshot()).toMatchObject({ releases: 1, declines: 1 });
  });

  it('INFORM gets configuration without an address or lease time (RFC 2131 §4.3.5)', async () => {
    const { s } = server();
    const r = replyOf(await s.respond(requestOf(clientPacket({ type: 'INFORM', mac: nextMac(), ciaddr: '10.99.0.33' }))));
    expect(r.packet).toMatchObject({ yiaddr: '0.0.0.0', ciaddr: '10.99.0.33' });
    expect(r.packet.options.get(Opt.MESSAGE_TYPE)).toEqual(Buffer.from([5]));
    expect(r.packet.options.has(Opt.LEASE_TIME)).toBe(false);
    expect(ip(r.packet.options.get(Opt.ROUTER))).toBe('10.99.0.254');
    expect(r.to).toEqual({ address: '10.99.0.33', port: 68 });
  });

  it('serves relayed requests from the subnet of giaddr, answers the relay on 67 and echoes option 82', async () => {
    const { s } = server();
    const info = Buffer.from([1, 4, 0, 0, 0, 7, 2, 3, 1, 2, 3]);
    const r = replyOf(await s.respond(requestOf(pxeDiscover(nextMac(), 0, { giaddr: '10.20.5.1', relayAgentInfo: info }))));
    expect(r.packet.yiaddr).toMatch(/^10\.20\.1\./);
    expect(ip(r.packet.options.get(Opt.SUBNET_MASK))).toBe('255.255.0.0');
    expect(u32(r.packet.options.get(Opt.LEASE_TIME))).toBe(600);
    expect(r.packet.options.get(Opt.RELAY_AGENT_INFO)).toEqual(info);
    expect(r.packet.giaddr).toBe('10.20.5.1');
    expect(r.to).toEqual({ address: '10.20.5.1', port: 67 });
    expect((await s.respond(requestOf(pxeDiscover(nextMac(), 0, { giaddr: '172.16.0.1' })))).kind).toBe('silent');
  });

  it('gives a reserved MAC its address and host name', async () => {
    const { s } = server();
    const r = replyOf(await s.respond(requestOf(clientPacket({ type: 'DISCOVER', mac: '52:54:00:aa:bb:cc' }))));
    expect(r.packet.yiaddr).toBe('10.99.0.50');
    expect(r.text(Opt.HOSTNAME)).toBe('r7-u12');
  });
});

describe('subnet plans', () => {
  it('refuses a configuration with every problem named', () => {
    expect(() =>
      planSubnets(
        [
          { ...subnetConfigs[0]!, subnet: '10.99.0.0/33' },
          { ...subnetConfigs[0]!, rangeStart: '10.99.1.1', router: '10.98.0.1', dnsServers: ['x'], reservations: [{ mac: 'nope', ipAddress: '10.99.0.9', hostname: null }] },
          { ...subnetConfigs[0]!, rangeStart: '10.99.0.200', rangeEnd: '10.99.0.100', reservations: [] },
        ],
        { serverAddress: '10.99.0.1', poolShards: 1, offerHoldMs: 1, declineHoldMs: 1 },
      ),
    ).toThrow(
      /dhcp.subnets\[0\].subnet.*dhcp.subnets\[1\].rangeStart.*dhcp.subnets\[1\].router.*dhcp.subnets\[1\].dnsServers\[0\].*dhcp.subnets\[1\].reservations\[0\].mac.*dhcp.subnets\[2\]: rangeStart is after rangeEnd.*configured twice/,
    );
  });
});
