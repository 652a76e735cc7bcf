/**
 * The simulated machines' DHCP requests are what Monorail's DHCP server reads from real clients: its own
 * request reader places each as a PXE ROM, iPXE or the microkernel, on the right architecture, and the
 * answers' boot information is read from the fields or the options.
 */
import { describe, expect, it } from 'vitest';
import { readClientRequest } from '../../src/protocols/dhcp/client-request.ts';
import { BOOTREPLY, Opt } from '../../src/protocols/dhcp/dhcp-constants.ts';
import { decodePacket, type DhcpPacket } from '../../src/protocols/dhcp/packet-codec.ts';
import { bootAnswerOf, ipxeBootRequest, ipxeDiscover, microkernelDiscover, pxeBootRequest, pxeDiscover, type ClientIdentity } from '../../src/sim/pxe-packets.ts';

const id = (arch: 'bios' | 'uefi'): ClientIdentity => ({ mac: 'b0:26:28:01:02:03', arch, uuid: '4c4c4544-005a-3210-8059-36c04f385358', ciaddr: '127.1.0.7' });

function read(buf: Buffer) {
  const d = decodePacket(buf);
  if (!d.ok) throw new Error(d.error.message);
  const r = readClientRequest(d.packet);
  if (!r.ok) throw new Error(r.detail);
  return r.request;
}

describe('simulated DHCP clients', () => {
  it('are read as a PXE ROM, iPXE and the microkernel, with their architecture, UUID and address', () => {
    const bios = read(pxeDiscover(id('bios'), 1));
    expect(bios).toMatchObject({ messageType: 'DISCOVER', mac: 'b0:26:28:01:02:03', firmware: 'pxe', arch: 'bios', vendorClass: 'PXEClient:Arch:00000:UNDI:002001' });
    expect(bios.uuid?.toString('hex')).toBe('004c4c4544005a3210805936c04f385358');
    expect(bios.packet.ciaddr).toBe('127.1.0.7');
    expect(read(pxeDiscover(id('uefi'), 2))).toMatchObject({ firmware: 'pxe', arch: 'uefi-x64', archCode: 7 });
    expect(read(pxeBootRequest(id('uefi'), 3, '127.0.0.1'))).toMatchObject({ messageType: 'REQUEST', serverId: '127.0.0.1', firmware: 'pxe' });
    expect(read(ipxeDiscover(id('bios'), 4))).toMatchObject({ firmware: 'ipxe', ipxe: true, userClasses: ['iPXE'] });
    expect(read(ipxeBootRequest(id('uefi'), 5, '127.0.0.1'))).toMatchObject({ messageType: 'REQUEST', firmware: 'ipxe', arch: 'uefi-x64' });
    expect(read(microkernelDiscover(id('bios'), 6))).toMatchObject({ firmware: 'microkernel', vendorClass: 'Monorail-microkernel' });
  });

  it('read the boot file from the file field, else from option 67, and the server from option 54', () => {
    const reply = (file: string, options: [number, Buffer][]): DhcpPacket => ({
      op: BOOTREPLY, htype: 1, hlen: 6, hops: 0, xid: 1, secs: 0, flags: 0, ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '10.0.0.1', giaddr: '0.0.0.0',
      chaddr: Buffer.alloc(16), sname: '', file, options: new Map(options),
    });
    expect(bootAnswerOf(reply('undionly.kpxe', [[Opt.MESSAGE_TYPE, Buffer.from([2])], [Opt.SERVER_ID, Buffer.from([10, 0, 0, 1])]]))).toEqual({ messageType: 2, siaddr: '10.0.0.1', file: 'undionly.kpxe', serverId: '10.0.0.1' });
    expect(bootAnswerOf(reply('', [[Opt.BOOTFILE, Buffer.from('snponly.efi')]]))).toMatchObject({ file: 'snponly.efi', serverId: undefined, messageType: undefined });
    // A malformed server identifier is not an address.
    expect(bootAnswerOf(reply('', [[Opt.SERVER_ID, Buffer.from([10, 0])]])).serverId).toBeUndefined();
  });
});
