/**
 * The simulated machines' DHCP client port over real UDP: a request is retransmitted until answered, the
 * answer is matched to its request by xid and MAC (machines sharing an address never take each other's
 * replies), silence and cancellation end an exchange with no answer, and garbage arriving on the port is
 * dropped without disturbing a waiting machine.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { BOOTREPLY, Opt } from '../../src/protocols/dhcp/dhcp-constants.ts';
import { decodePacket, encodePacket } from '../../src/protocols/dhcp/packet-codec.ts';
import { DhcpClientPorts } from '../../src/sim/dhcp-client-port.ts';
import { pxeDiscover } from '../../src/sim/pxe-packets.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fake DHCP server: `answer(n, request)` decides, per received request, whether (and what) to reply. */
async function server(answer: (n: number, xid: number, chaddr: Buffer) => Buffer | undefined | 'garbage') {
  const socket = dgram.createSocket('udp4');
  let n = 0;
  socket.on('message', (msg, rinfo) => {
    const d = decodePacket(msg);
    if (!d.ok) return;
    const reply = answer(++n, d.packet.xid, d.packet.chaddr);
    if (reply === 'garbage') {
      socket.send(Buffer.from('not dhcp at all'), rinfo.port, rinfo.address);
      socket.send(Buffer.alloc(300, 0xff), rinfo.port, rinfo.address);
    } else if (reply !== undefined) {
      socket.send(reply, rinfo.port, rinfo.address);
    }
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => socket.close(() => r())));
  return { address: '127.0.0.1', port: socket.address().port, received: () => n };
}

function offer(xid: number, chaddr: Buffer, file: string): Buffer {
  return encodePacket({
    op: BOOTREPLY, htype: 1, hlen: 6, hops: 0, xid, secs: 0, flags: 0, ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '127.0.0.1', giaddr: '0.0.0.0',
    chaddr, sname: '', file, options: new Map([[Opt.MESSAGE_TYPE, Buffer.from([2])]]),
  });
}

async function ports(): Promise<DhcpClientPorts> {
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r));
  const port = probe.address().port;
  await new Promise<void>((r) => probe.close(() => r()));
  const p = new DhcpClientPorts(port);
  cleanups.push(() => p.close());
  return p;
}

const machine = (mac: string) => ({ mac, arch: 'bios' as const, uuid: '00000000-0000-4000-8000-000000000001', ciaddr: '127.0.0.1' });

describe('DHCP client port', () => {
  it('retransmits until answered, and takes only the answer to its own xid and MAC', async () => {
    const srv = await server((n, xid, chaddr) => (n < 3 ? undefined : offer(xid, chaddr, 'undionly.kpxe')));
    const p = await ports();
    const reply = await p.exchange('127.0.0.1', pxeDiscover(machine('52:54:00:00:00:01'), 77), srv, [100, 100, 400], AbortSignal.timeout(5000));
    expect(reply?.file).toBe('undionly.kpxe');
    expect(srv.received()).toBe(3);
  });

  it('never hands one machine another machine\'s reply, even from one shared address', async () => {
    // Machines 0 and 2 use the same xid from the same address: only the MAC tells their replies apart.
    const srv = await server((_n, xid, chaddr) => offer(xid, chaddr, `for-${chaddr.subarray(0, 6).toString('hex')}`));
    const p = await ports();
    const macs = ['52:54:00:00:00:0a', '52:54:00:00:00:0b', '52:54:00:00:00:0c'];
    const replies = await Promise.all(macs.map((mac, i) => p.exchange('127.0.0.1', pxeDiscover(machine(mac), 1000 + (i % 2)), srv, [1000], AbortSignal.timeout(5000))));
    expect(replies.map((r) => r?.file)).toEqual(macs.map((m) => `for-${m.replace(/:/g, '')}`));
  });

  it('ends with no answer on silence or cancellation, and drops garbage while it waits', async () => {
    const silent = await server(() => 'garbage');
    const p = await ports();
    const t0 = Date.now();
    expect(await p.exchange('127.0.0.1', pxeDiscover(machine('52:54:00:00:00:02'), 5), silent, [50, 50], AbortSignal.timeout(5000))).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(silent.received()).toBe(2);
    const aborted = AbortSignal.timeout(100);
    expect(await p.exchange('127.0.0.1', pxeDiscover(machine('52:54:00:00:00:03'), 6), silent, [60_000], aborted)).toBeUndefined();
    // The port still works afterwards.
    const answering = await server((_n, xid, chaddr) => offer(xid, chaddr, 'snponly.efi'));
    expect((await p.exchange('127.0.0.1', pxeDiscover(machine('52:54:00:00:00:04'), 7), answering, [1000], AbortSignal.timeout(5000)))?.file).toBe('snponly.efi');
  });

  it('refuses an address the host does not have', async () => {
    const srv = await server(() => undefined);
    const p = await ports();
    await expect(p.exchange('192.0.2.254', pxeDiscover(machine('52:54:00:00:00:05'), 8), srv, [50], AbortSignal.timeout(5000))).rejects.toThrow(/EADDRNOTAVAIL|bind/);
  });
});
