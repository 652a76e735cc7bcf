/**
 * Thousands of random and mutated packets (mutations of packets real clients sent, and of constructed
 * requests, relayed ones and boot server requests) thrown at running DHCP servers over real sockets, in
 * proxy and in server mode; afterwards a real request still gets a correct answer, every datagram was
 * counted, and nothing escaped (an exception in a socket handler would fail this test's worker).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import type { ConfigLayer } from '../../../src/config/schema.ts';
import { createDhcpServer, type DhcpServer } from '../../../src/protocols/dhcp/dhcp-server.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { fakeDhcpDirectory } from '../../support/fake-directory-dhcp.ts';
import { capturedPackets } from '../../support/dhcp-captures.ts';
import { clientPacket, ipxeDiscover, mutate, pxeDiscover, randomBytes, randomInt, seededRandom } from '../../support/dhcp-packets.ts';
import { messageTypeOf, udpTestClient, type UdpTestClient } from '../../support/dhcp-udp-client.ts';
import { startFixture, type MonorailFixture } from '../../support/monorail-fixture.ts';

const SEED = Number(process.env.DHCP_FUZZ_SEED ?? 20261125);
const RANDOM = 3000;
const MUTATED = 9000;

const seeds = (): Buffer[] => [
  ...capturedPackets(),
  pxeDiscover('52:54:00:00:00:02', 7, { giaddr: '127.0.0.1', relayAgentInfo: Buffer.from([1, 4, 0, 0, 0, 1]) }),
  ipxeDiscover('52:54:00:00:00:03', 9),
  clientPacket({ type: 'REQUEST', mac: '52:54:00:00:00:04', serverId: '10.99.0.1', requestedIp: '10.99.0.100' }),
  clientPacket({ type: 'REQUEST', mac: '52:54:00:00:00:05', ciaddr: '127.0.0.1', vendorClass: 'PXEClient:Arch:00007:UNDI:003016', arch: 7 }),
  clientPacket({ type: 'RELEASE', mac: '52:54:00:00:00:06', ciaddr: '10.99.0.100', serverId: '10.99.0.1' }),
  clientPacket({ type: 'DECLINE', mac: '52:54:00:00:00:07', requestedIp: '10.99.0.100', serverId: '10.99.0.1' }),
  clientPacket({ type: 'INFORM', mac: '52:54:00:00:00:08', ciaddr: '10.99.0.7' }),
];

let fixture: MonorailFixture;
let client: UdpTestClient;
beforeAll(async () => {
  fixture = await startFixture();
  client = await udpTestClient();
});
afterAll(async () => {
  await client.close();
  await fixture.stop();
});

async function serve(layer: ConfigLayer): Promise<DhcpServer> {
  const config = loadConfig({
    layers: [{ dhcp: { enabled: true, host: '127.0.0.1', port: 0, proxyPort: 0, clientPort: client.port }, boot: { serverAddress: '10.99.0.1', decisionTimeoutMs: 200 } }, layer],
  });
  const server = createDhcpServer(
    { config, directory: fakeDhcpDirectory(), log: createLogger({ level: 'silent', memberId: 'fuzz' }), entities: (b) => fixture.monorail.system.entities(b) },
    { broadcastAddress: '127.0.0.1', relayPort: client.port },
  );
  await server.start();
  return server;
}

async function flood(server: DhcpServer): Promise<number> {
  const rnd = seededRandom(SEED);
  const ports = server.addresses().map((a) => a.port);
  const base = seeds();
  let sent = 0;
  const send = async (packet: Buffer): Promise<void> => {
    await client.send(packet, ports[randomInt(rnd, ports.length)]!);
    sent++;
    // Let the server drain its socket (it shares this event loop) so the kernel drops none of the flood.
    if (sent % 50 === 0) {
      const until = Date.now() + 1000;
      while ((server.stats().received ?? 0) < sent && Date.now() < until) await new Promise((r) => setTimeout(r, 1));
    }
  };
  for (let i = 0; i < RANDOM; i++) await send(randomBytes(rnd, randomInt(rnd, 1500)));
  for (let i = 0; i < MUTATED; i++) {
    let b = base[randomInt(rnd, base.length)]!;
    for (let k = 0; k < 1 + randomInt(rnd, 3); k++) b = mutate(rnd, b);
    await send(b);
  }
  await new Promise((r) => setTimeout(r, 50));
  await server.idle();
  return sent;
}

describe(`DHCP fuzz over UDP (seed ${SEED})`, () => {
  it('proxy mode: survives, counts every datagram, then answers a real PXE DISCOVER and a boot server REQUEST', async () => {
    const server = await serve({});
    try {
      const sent = await flood(server);
      const s = server.stats();
      expect(s.received).toBe(sent);
      expect(s.malformed).toBeGreaterThan(RANDOM / 2);
      expect(s.errors).toBe(0);
      expect(s.inFlight).toBe(0);
      // Every datagram ends answered, unanswered, dropped, or with a failed send: replies to mutated relay
      // or client addresses off the host fail with EINVAL, as a socket bound to 127.0.0.1 cannot reach them.
      expect(s.answered! + s.silent! + s.dropped! + s.sendErrors!).toBe(sent);
      const [dhcp, boot] = server.addresses();
      await client.send(pxeDiscover('52:54:00:aa:00:01', 7, { xid: 0xf00d }), dhcp!.port);
      const offer = await client.waitFor((p) => p.xid === 0xf00d);
      expect(messageTypeOf(offer)).toBe(2);
      expect(offer).toMatchObject({ yiaddr: '0.0.0.0', siaddr: '10.99.0.1', file: 'snponly.efi' });
      await client.send(clientPacket({ type: 'REQUEST', mac: '52:54:00:aa:00:01', xid: 0xf00e, ciaddr: '127.0.0.1', vendorClass: 'PXEClient:Arch:00000:UNDI:002001' }), boot!.port);
      expect((await client.waitFor((p) => p.xid === 0xf00e)).file).toBe('undionly.kpxe');
    } finally {
      await server.stop();
    }
  });

  it('server mode: survives, counts every datagram, then leases an address to a real DISCOVER/REQUEST', async () => {
    const more = { router: null, dnsServers: [], domainName: null, leaseSeconds: 600, reservations: [] };
    const server = await serve({
      dhcp: { mode: 'server', subnets: [{ subnet: '10.99.0.0/24', rangeStart: '10.99.0.100', rangeEnd: '10.99.0.250', ...more }, { subnet: '127.0.0.0/8', rangeStart: '127.0.9.1', rangeEnd: '127.0.9.250', ...more }] },
    });
    try {
      const sent = await flood(server);
      const s = server.stats();
      expect(s.received).toBe(sent);
      expect(s.errors).toBe(0);
      expect(s.answered! + s.silent! + s.dropped! + s.sendErrors!).toBe(sent);
      const mac = '52:54:00:aa:00:02';
      const [dhcp] = server.addresses();
      await client.send(pxeDiscover(mac, 0, { xid: 0xbeef }), dhcp!.port);
      const offer = await client.waitFor((p) => p.xid === 0xbeef);
      expect(messageTypeOf(offer)).toBe(2);
      expect(offer.yiaddr).toMatch(/^10\.99\.0\.\d+$/);
      await client.send(clientPacket({ type: 'REQUEST', mac, xid: 0xbef0, serverId: '10.99.0.1', requestedIp: offer.yiaddr, vendorClass: 'PXEClient:Arch:00000:UNDI:002001' }), dhcp!.port);
      const ack = await client.waitFor((p) => p.xid === 0xbef0);
      expect(messageTypeOf(ack)).toBe(5);
      expect(ack).toMatchObject({ yiaddr: offer.yiaddr, file: 'undionly.kpxe' });
    } finally {
      await server.stop();
    }
  });
});
