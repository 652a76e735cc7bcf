import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import type { ConfigLayer } from '../../../src/config/schema.ts';
import { createDhcpServer, type DhcpServer, type DhcpTuning } from '../../../src/protocols/dhcp/dhcp-server.ts';
import { Opt } from '../../../src/protocols/dhcp/dhcp-constants.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { fakeDhcpDirectory } from '../../support/fake-directory-dhcp.ts';
import { clientPacket, ipxeDiscover, pxeDiscover } from '../../support/dhcp-packets.ts';
import { messageTypeOf, udpTestClient, type UdpTestClient } from '../../support/dhcp-udp-client.ts';
import { startFixture, type MonorailFixture } from '../../support/monorail-fixture.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function client(): Promise<UdpTestClient> {
  const c = await udpTestClient();
  cleanups.push(() => c.close());
  return c;
}

async function serve(clientPort: number, layer: ConfigLayer = {}, tuning: Partial<DhcpTuning> = {}, fixture?: MonorailFixture) {
  const config = loadConfig({
    layers: [{ dhcp: { enabled: true, host: '127.0.0.1', port: 0, proxyPort: 0, clientPort }, boot: { serverAddress: '10.99.0.1' }, log: { level: 'silent' } }, layer],
  });
  const directory = fakeDhcpDirectory();
  const server: DhcpServer = createDhcpServer(
    {
      config,
      directory,
      log: createLogger({ level: 'silent', memberId: 'test' }),
      entities: (b) => {
        if (!fixture) throw new Error('no actor system in this test');
        return fixture.monorail.system.entities(b);
      },
    },
    { broadcastAddress: '127.0.0.1', ...tuning },
  );
  await server.start();
  cleanups.push(() => server.stop());
  const [dhcp, boot] = server.addresses();
  return { server, directory, dhcpPort: dhcp!.port, bootPort: boot?.port };
}

const mac = '52:54:00:99:00:10';

describe('DHCP server over UDP (proxy mode)', () => {
  it('binds port 67 and 4011 equivalents, offers on the DHCP port and ACKs on the boot server port', async () => {
    const c = await client();
    const { server, dhcpPort, bootPort, directory } = await serve(c.port);
    expect(server.addresses()).toEqual([
      { protocol: 'udp', address: '127.0.0.1', port: dhcpPort },
      { protocol: 'udp', address: '127.0.0.1', port: bootPort },
    ]);
    await c.send(pxeDiscover(mac, 0, { xid: 1 }), dhcpPort);
    const offer = await c.waitFor((p) => p.xid === 1);
    expect(messageTypeOf(offer)).toBe(2);
    expect(offer).toMatchObject({ yiaddr: '0.0.0.0', siaddr: '10.99.0.1', file: 'undionly.kpxe' });
    await c.send(clientPacket({ type: 'REQUEST', mac, xid: 2, ciaddr: '127.0.0.1', vendorClass: 'PXEClient:Arch:00007:UNDI:003016', arch: 7 }), bootPort!);
    const ack = await c.waitFor((p) => p.xid === 2);
    expect(messageTypeOf(ack)).toBe(5);
    expect(ack).toMatchObject({ siaddr: '10.99.0.1', file: 'snponly.efi' });
    await c.send(ipxeDiscover(mac, 0, { xid: 3 }), dhcpPort);
    expect((await c.waitFor((p) => p.xid === 3)).file).toBe(`http://10.99.0.1:8080/api/current/profiles?macs=${mac}`);
    await server.idle();
    expect(server.stats()).toMatchObject({ received: 3, answered: 3, offers: 2, acks: 1, malformed: 0, dropped: 0 });
    expect(directory.observed).toHaveLength(3);
  });

  it('counts malformed, refused and unanswered packets, and keeps answering', async () => {
    const c = await client();
    const { server, dhcpPort } = await serve(c.port);
    await c.send(Buffer.from('hello'), dhcpPort);
    await c.send(Buffer.alloc(300), dhcpPort);
    const reply = pxeDiscover(mac);
    reply[0] = 2;
    await c.send(reply, dhcpPort);
    await c.send(clientPacket({ type: 'DISCOVER', mac }), dhcpPort);
    await c.send(pxeDiscover(mac, 0, { xid: 77 }), dhcpPort);
    await c.waitFor((p) => p.xid === 77);
    await server.idle();
    expect(server.stats()).toMatchObject({ received: 5, malformed: 2, refused: 1, dropped: 3, silent: 1, answered: 1 });
  });

  it('drops what exceeds maxInFlight and counts it', async () => {
    const c = await client();
    const { server, dhcpPort, directory } = await serve(c.port, { boot: { decisionTimeoutMs: 200 } }, { maxInFlight: 2 });
    directory.decide('hang');
    for (let i = 0; i < 5; i++) await c.send(pxeDiscover(mac, 0, { xid: 100 + i }), dhcpPort);
    await new Promise((r) => setTimeout(r, 50));
    await server.idle();
    const s = server.stats();
    expect(s.overloaded).toBeGreaterThanOrEqual(1);
    expect((s.answered ?? 0) + (s.overloaded ?? 0)).toBe(5);
    expect(s.fallbacks).toBe(s.answered);
  });

  it('refuses to start on a port that is taken, naming it', async () => {
    const blocker = dgram.createSocket('udp4');
    await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const port = blocker.address().port;
    const config = loadConfig({ layers: [{ dhcp: { enabled: true, host: '127.0.0.1', port, proxyPort: 0 }, boot: { serverAddress: '10.99.0.1' } }] });
    const server = createDhcpServer({ config, directory: fakeDhcpDirectory(), log: createLogger({ level: 'silent', memberId: 't' }), entities: () => { throw new Error('unused'); } });
    await expect(server.start()).rejects.toThrow(`DHCP dhcp socket cannot bind 127.0.0.1:${port}`);
    expect(server.addresses()).toEqual([]);
  });

  it('refuses to be created without boot.serverAddress', () => {
    const config = loadConfig({ layers: [{ dhcp: { enabled: true } }] });
    expect(() => createDhcpServer({ config, directory: fakeDhcpDirectory(), log: createLogger({ level: 'silent', memberId: 't' }), entities: () => { throw new Error('unused'); } })).toThrow(
      /boot.serverAddress/,
    );
  });
});

describe('DHCP server over UDP (server mode)', () => {
  // loadConfig does not apply the schema's defaults inside array items, so every field is given.
  const more = { router: null, dnsServers: [], domainName: null, leaseSeconds: 600, reservations: [] };
  const subnets = [
    { subnet: '10.99.0.0/24', rangeStart: '10.99.0.100', rangeEnd: '10.99.0.150', ...more },
    { subnet: '127.0.0.0/8', rangeStart: '127.0.5.1', rangeEnd: '127.0.5.9', ...more },
  ];

  it('leases over DISCOVER/OFFER/REQUEST/ACK, answers a relay on its port, and opens no boot server port', async () => {
    const fixture = await startFixture();
    cleanups.push(() => fixture.stop());
    const c = await client();
    const relay = await client();
    const { server, dhcpPort, bootPort } = await serve(c.port, { dhcp: { mode: 'server', subnets } }, { relayPort: relay.port }, fixture);
    expect(bootPort).toBeUndefined();
    await c.send(pxeDiscover(mac, 0, { xid: 11 }), dhcpPort);
    const offer = await c.waitFor((p) => p.xid === 11);
    expect(messageTypeOf(offer)).toBe(2);
    expect(offer.yiaddr).toMatch(/^10\.99\.0\.1[0-5]\d$/);
    await c.send(clientPacket({ type: 'REQUEST', mac, xid: 12, serverId: '10.99.0.1', requestedIp: offer.yiaddr }), dhcpPort);
    const ack = await c.waitFor((p) => p.xid === 12);
    expect(messageTypeOf(ack)).toBe(5);
    expect(ack.yiaddr).toBe(offer.yiaddr);

    const info = Buffer.from([1, 3, 9, 9, 9]);
    await relay.send(pxeDiscover('52:54:00:99:00:11', 0, { xid: 13, giaddr: '127.0.0.1', relayAgentInfo: info }), dhcpPort);
    const relayed = await relay.waitFor((p) => p.xid === 13);
    expect(relayed.yiaddr).toMatch(/^127\.0\.5\.[1-9]$/);
    expect(relayed.options.get(Opt.RELAY_AGENT_INFO)).toEqual(info);
    await server.idle();
    expect(server.stats()).toMatchObject({ offers: 2, acks: 1 });
  });
});
