import { describe, expect, it } from 'vitest';
import { ProxyResponder } from '../../../src/protocols/dhcp/proxy-responder.ts';
import { Opt } from '../../../src/protocols/dhcp/dhcp-constants.ts';
import { bootLocal } from '../../support/fake-directory-dhcp.ts';
import { clientPacket, ipxeDiscover, pxeDiscover } from '../../support/dhcp-packets.ts';
import { replyOf, requestOf, responderContext } from '../../support/dhcp-responder-context.ts';
import { capturedPacket } from '../../support/dhcp-captures.ts';

const mac = '52:54:00:99:00:10';
const broadcast68 = { address: '255.255.255.255', port: 68 };

describe('proxyDHCP on port 67', () => {
  it('offers a BIOS PXE ROM its loader and no address (PXE spec 2.1 proxy offer)', async () => {
    const c = responderContext();
    const r = replyOf(await new ProxyResponder(c).onDhcpPort(requestOf(pxeDiscover(mac, 0, { xid: 42 }))));
    expect(r.packet).toMatchObject({ op: 2, xid: 42, yiaddr: '0.0.0.0', siaddr: '10.99.0.1', ciaddr: '0.0.0.0', file: 'undionly.kpxe' });
    expect(r.packet.options.get(Opt.MESSAGE_TYPE)).toEqual(Buffer.from([2]));
    expect(r.packet.options.get(Opt.SERVER_ID)).toEqual(Buffer.from([10, 99, 0, 1]));
    expect(r.text(Opt.VENDOR_CLASS)).toBe('PXEClient');
    expect(r.text(Opt.BOOTFILE)).toBe('undionly.kpxe');
    expect(r.packet.options.get(Opt.CLIENT_UUID)?.toString('hex')).toBe('004c4c4544004d3510804bc4c04f4e3132');
    expect(r.packet.options.has(Opt.LEASE_TIME)).toBe(false);
    expect(r.to).toEqual(broadcast68);
  });

  it.each([
    [0, 'undionly.kpxe'],
    [7, 'snponly.efi'],
    [9, 'snponly.efi'],
    [6, 'ipxe-ia32.efi'],
    [11, 'ipxe-arm64.efi'],
  ])('architecture %i gets %s over TFTP', async (arch, file) => {
    const r = replyOf(await new ProxyResponder(responderContext()).onDhcpPort(requestOf(pxeDiscover(mac, arch))));
    expect(r.packet.file).toBe(file);
    expect(r.text(Opt.VENDOR_CLASS)).toBe('PXEClient');
  });

  it.each([
    ['x64 (arch 16)', 16, 'HTTPClient:Arch:00016:UNDI:003001', 'http://10.99.0.1:8080/common/snponly.efi'],
    ['arm64 (arch 19)', 19, 'HTTPClient:Arch:00019:UNDI:003001', 'http://10.99.0.1:8080/common/ipxe-arm64.efi'],
    ['vendor class only', undefined, 'HTTPClient', 'http://10.99.0.1:8080/common/snponly.efi'],
  ])('UEFI HTTP boot %s gets the loader as an HTTP URL and option 60 HTTPClient', async (_n, arch, vendorClass, url) => {
    const wire = clientPacket({ type: 'DISCOVER', mac, vendorClass, ...(arch === undefined ? {} : { arch }), parameterList: [1, 3, 60, 67] });
    const r = replyOf(await new ProxyResponder(responderContext()).onDhcpPort(requestOf(wire)));
    expect(r.packet.file).toBe(url);
    expect(r.text(Opt.BOOTFILE)).toBe(url);
    expect(r.text(Opt.VENDOR_CLASS)).toBe('HTTPClient');
  });

  it.each([
    ['user class iPXE', ipxeDiscover(mac, 0)],
    ['option 175 only', clientPacket({ type: 'DISCOVER', mac, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', ipxeEncap: true })],
    ['EFI iPXE', ipxeDiscover(mac, 7)],
  ])('iPXE (%s) gets the URL of its profile and option 60 PXEClient (F2)', async (_n, wire) => {
    const r = replyOf(await new ProxyResponder(responderContext()).onDhcpPort(requestOf(wire)));
    expect(r.packet.file).toBe(`http://10.99.0.1:8080/api/current/profiles?macs=${mac}`);
    expect(r.packet.siaddr).toBe('10.99.0.1');
    expect(r.text(Opt.VENDOR_CLASS)).toBe('PXEClient');
  });

  it('puts a URL too long for the file field in option 67 only', async () => {
    const c = responderContext();
    const long = { ...c, boot: { ...c.boot, httpBaseUrl: `http://boot.example.com/${'x'.repeat(120)}` } };
    const r = replyOf(await new ProxyResponder(long).onDhcpPort(requestOf(ipxeDiscover(mac))));
    expect(r.packet.file).toBe('');
    expect(r.text(Opt.BOOTFILE)).toBe(`http://boot.example.com/${'x'.repeat(120)}/api/current/profiles?macs=${mac}`);
  });

  it.each([
    ['the microkernel (F8)', clientPacket({ type: 'DISCOVER', mac, vendorClass: 'E2E-microkernel' })],
    ['dhclient without vendor class', clientPacket({ type: 'DISCOVER', mac })],
    ['an ARM32 PXE ROM (no loader configured)', pxeDiscover(mac, 10)],
  ])('stays silent for %s but records it', async (_n, wire) => {
    const c = responderContext();
    const o = await new ProxyResponder(c).onDhcpPort(requestOf(wire));
    expect(o.kind).toBe('silent');
    await new Promise((r) => setTimeout(r, 5));
    expect(c.directory.observed.map((x) => x.observation)).toEqual([expect.objectContaining({ type: 'dhcp', messageType: 'DHCPDISCOVER' })]);
    expect(c.directory.asked).toEqual([]);
  });

  it('asks the node with the request it made and stays silent when the node boots locally', async () => {
    const c = responderContext();
    c.directory.decide(bootLocal);
    const o = await new ProxyResponder(c).onDhcpPort(requestOf(pxeDiscover(mac, 7)));
    expect(o).toEqual({ kind: 'silent', reason: expect.stringContaining('node boots locally') as unknown });
    expect(c.directory.asked).toEqual([{ nodeId: c.directory.nodeIdOf(mac), request: { protocol: 'proxydhcp', arch: 'uefi-x64', firmware: 'pxe' } }]);
  });

  it.each([
    ['hangs', 'hang' as const, 'ipxe' as const, true],
    ['fails', 'fail' as const, 'ipxe' as const, true],
    ['hangs', 'hang' as const, 'silent' as const, false],
    ['fails', 'fail' as const, 'silent' as const, false],
  ])('when the node %s, fallback %s decides', async (_n, decision, fallback, answers) => {
    const c = responderContext({ timeoutMs: 50, fallback });
    c.directory.decide(decision);
    const started = Date.now();
    const o = await new ProxyResponder(c).onDhcpPort(requestOf(pxeDiscover(mac)));
    expect(Date.now() - started).toBeLessThan(500);
    expect(o.kind).toBe(answers ? 'reply' : 'silent');
    expect(c.stats.snapshot().fallbacks).toBe(1);
  });

  it('falls back when the MAC cannot be resolved to a node', async () => {
    const c = responderContext();
    c.directory.failResolve(true);
    expect((await new ProxyResponder(c).onDhcpPort(requestOf(pxeDiscover(mac)))).kind).toBe('reply');
  });

  it("never answers a REQUEST naming another server (option 54): it is the site server's", async () => {
    const c = responderContext();
    const wire = pxeDiscover(mac, 0);
    const req = requestOf(clientPacket({ type: 'REQUEST', mac, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', serverId: '10.99.0.2', requestedIp: '10.99.0.50' }));
    expect(await new ProxyResponder(c).onDhcpPort(req)).toEqual({ kind: 'silent', reason: 'REQUEST names server 10.99.0.2' });
    const renewing = requestOf(clientPacket({ type: 'REQUEST', mac, vendorClass: 'PXEClient', ciaddr: '10.99.0.50' }));
    expect((await new ProxyResponder(c).onDhcpPort(renewing)).kind).toBe('silent');
    expect(requestOf(wire).messageType).toBe('DISCOVER');
    await new Promise((r) => setTimeout(r, 5));
    expect(c.directory.resolved).toContainEqual({ mac, ipAddress: '10.99.0.50' });
  });

  it('answers a REQUEST that took the proxy offer (option 54 = this server) with an addressless ACK', async () => {
    const req = requestOf(clientPacket({ type: 'REQUEST', mac, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', serverId: '10.99.0.1', requestedIp: '0.0.0.0', parameterList: [1, 66, 67] }));
    const r = replyOf(await new ProxyResponder(responderContext()).onDhcpPort(req));
    expect(r.packet).toMatchObject({ yiaddr: '0.0.0.0', siaddr: '10.99.0.1', file: 'undionly.kpxe' });
    expect(r.packet.options.get(Opt.MESSAGE_TYPE)).toEqual(Buffer.from([5]));
    expect(r.text(Opt.TFTP_SERVER)).toBe('10.99.0.1');
  });

  it('echoes only a well-formed UUID (RFC 4578 §2.3), and never records 0.0.0.0 as a node address', async () => {
    const c = responderContext();
    const r = replyOf(await new ProxyResponder(c).onDhcpPort(requestOf(pxeDiscover(mac, 0, { uuid: Buffer.alloc(200, 7) }))));
    expect(r.packet.options.has(Opt.CLIENT_UUID)).toBe(false);
    await new ProxyResponder(c).onDhcpPort(requestOf(clientPacket({ type: 'REQUEST', mac, vendorClass: 'PXEClient', serverId: '10.99.0.1', requestedIp: '0.0.0.0' })));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(c.directory.resolved).toEqual([{ mac }, { mac }]);
  });

  it('answers a relayed DISCOVER to the relay on port 67 and echoes option 82 (RFC 3046)', async () => {
    const info = Buffer.from([1, 6, 0, 4, 0, 1, 0, 7, 2, 2, 0xab, 0xcd]);
    const o = await new ProxyResponder(responderContext()).onDhcpPort(requestOf(pxeDiscover(mac, 0, { giaddr: '10.20.0.1', relayAgentInfo: info })));
    const r = replyOf(o);
    expect(r.to).toEqual({ address: '10.20.0.1', port: 67 });
    expect(r.packet.giaddr).toBe('10.20.0.1');
    expect(r.packet.options.get(Opt.RELAY_AGENT_INFO)).toEqual(info);
  });
});

describe('proxyDHCP boot server on port 4011', () => {
  const pxeRequest = (more = {}) =>
    requestOf(clientPacket({ type: 'REQUEST', mac, ciaddr: '10.99.0.77', vendorClass: 'PXEClient:Arch:00007:UNDI:003016', arch: 7, uuid: Buffer.alloc(17, 1), ...more }));

  it('ACKs with siaddr and a filename, to where the request came from (F3)', async () => {
    const c = responderContext();
    const r = replyOf(await new ProxyResponder(c).onBootServerPort(pxeRequest(), { address: '10.99.0.77', port: 68 }));
    expect(r.packet).toMatchObject({ yiaddr: '0.0.0.0', ciaddr: '10.99.0.77', siaddr: '10.99.0.1', file: 'snponly.efi' });
    expect(r.packet.options.get(Opt.MESSAGE_TYPE)).toEqual(Buffer.from([5]));
    expect(r.text(Opt.VENDOR_CLASS)).toBe('PXEClient');
    expect(r.packet.options.get(Opt.CLIENT_UUID)).toEqual(Buffer.alloc(17, 1));
    expect(r.to).toEqual({ address: '10.99.0.77', port: 68 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(c.directory.resolved).toEqual([{ mac, ipAddress: '10.99.0.77' }]);
    expect(c.directory.asked[0]?.request).toEqual({ protocol: 'proxydhcp', arch: 'uefi-x64', firmware: 'pxe', ipAddress: '10.99.0.77' });
  });

  it('broadcasts to a client that sent from 0.0.0.0, and ignores what is not a REQUEST', async () => {
    const p = new ProxyResponder(responderContext());
    expect(replyOf(await p.onBootServerPort(pxeRequest({ ciaddr: '0.0.0.0' }), { address: '0.0.0.0', port: 68 })).to).toEqual(broadcast68);
    expect((await p.onBootServerPort(requestOf(pxeDiscover(mac)), { address: '10.99.0.77', port: 68 })).kind).toBe('silent');
  });

  it('stays silent on 4011 when the node boots locally', async () => {
    const c = responderContext();
    c.directory.decide(bootLocal);
    expect((await new ProxyResponder(c).onBootServerPort(pxeRequest(), { address: '10.99.0.77', port: 68 })).kind).toBe('silent');
  });
});

describe('proxyDHCP answers to captured real DISCOVERs', () => {
  it.each([
    ['edk2-ovmf-x64-discover', 'snponly.efi'],
    ['ipxe-bios-virtio-discover', 'http://10.99.0.1:8080/api/current/profiles?macs=52:54:00:99:00:10'],
    ['udhcpc-discover', 'undionly.kpxe'],
    ['dhclient-discover', 'undionly.kpxe'],
  ] as const)('%s gets %s', async (name, file) => {
    const r = replyOf(await new ProxyResponder(responderContext()).onDhcpPort(requestOf(capturedPacket(name))));
    expect(r.packet.file).toBe(file);
    expect(r.packet.siaddr).toBe('10.99.0.1');
  });
});
