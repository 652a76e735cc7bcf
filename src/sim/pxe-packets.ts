/**
 * The DHCP requests a simulated machine sends while it boots, built with Monorail's own codec: its PXE
 * ROM's DISCOVER and boot-server REQUEST (PXE 2.1 §2.2; vendor class `PXEClient:Arch:xxxxx:UNDI:yyyzzz`,
 * option 93 architecture, option 97 machine UUID), iPXE's (user class "iPXE" and option 175), and the
 * microkernel's udhcpc DISCOVER (vendor class "Monorail-microkernel"), which Monorail must leave alone.
 *
 * The simulated network has no site DHCP server handing out leases, so a machine already knows its
 * address and puts it in ciaddr: replies come to it by unicast instead of broadcast (RFC 2131 §4.1).
 */
import { BOOTREQUEST, MessageType, Opt } from '../protocols/dhcp/dhcp-constants.ts';
import { encodePacket, type DhcpPacket } from '../protocols/dhcp/packet-codec.ts';
import type { FirmwareArch } from './machine-spec.ts';

export interface ClientIdentity {
  readonly mac: string;
  readonly arch: FirmwareArch;
  /** SMBIOS UUID, `xxxxxxxx-xxxx-…`. */
  readonly uuid: string;
  readonly ciaddr: string;
}

/** RFC 4578 §2.1: 0 = x86 BIOS, 7 = x64 UEFI. */
export const archCode = (arch: FirmwareArch): number => (arch === 'uefi' ? 7 : 0);

/** UNDI 2.1 for BIOS ROMs, 3.16 for UEFI ones, as Intel and Broadcom ROMs announce. */
const vendorClass = (arch: FirmwareArch): string => `PXEClient:Arch:${String(archCode(arch)).padStart(5, '0')}:UNDI:${arch === 'uefi' ? '003016' : '002001'}`;

const pxeParameters = [1, 2, 3, 4, 5, 6, 11, 12, 13, 15, 16, 17, 18, 22, 23, 28, 40, 41, 42, 43, 50, 51, 54, 58, 59, 60, 66, 67, 97, 128, 129, 130, 131, 132, 133, 134, 135];
const ipxeParameters = [1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119, 128, 129, 130, 131, 132, 133, 134, 135, 175, 203];
/** iPXE's option 175 as it sends it: its feature flags (priority, keep-san, bus-id, version …). */
const ipxeEncapsulated = Buffer.from([0xb1, 0x05, 0x01, 0x80, 0x86, 0x10, 0x0e, 0xeb, 0x03, 0x01, 0x00, 0x00, 0x17, 0x01, 0x01, 0x13, 0x01, 0x01]);

function macBytes(mac: string): Buffer {
  const chaddr = Buffer.alloc(16);
  Buffer.from(mac.split(':').map((h) => parseInt(h, 16))).copy(chaddr);
  return chaddr;
}

function ip4(text: string): Buffer {
  return Buffer.from(text.split('.').map(Number));
}

function request(type: keyof typeof MessageType, id: ClientIdentity, xid: number, options: readonly (readonly [number, Buffer])[]): Buffer {
  const map = new Map<number, Buffer>([[Opt.MESSAGE_TYPE, Buffer.from([MessageType[type]])], ...options]);
  const packet: DhcpPacket = {
    op: BOOTREQUEST,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid,
    secs: 4,
    flags: 0,
    ciaddr: id.ciaddr,
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr: macBytes(id.mac),
    sname: '',
    file: '',
    options: map,
  };
  return encodePacket(packet, { maxBytes: 1472 });
}

function pxeOptions(id: ClientIdentity, parameters: readonly number[]): [number, Buffer][] {
  const code = archCode(id.arch);
  return [
    [Opt.MAX_MESSAGE_SIZE, Buffer.from([0x05, 0xc0])],
    [Opt.PARAMETER_LIST, Buffer.from(parameters)],
    [Opt.VENDOR_CLASS, Buffer.from(vendorClass(id.arch), 'latin1')],
    [Opt.CLIENT_ARCH, Buffer.from([code >> 8, code & 255])],
    [Opt.CLIENT_NDI, Buffer.from([1, 3, 0x10])],
    [Opt.CLIENT_UUID, Buffer.concat([Buffer.from([0]), Buffer.from(id.uuid.replace(/-/g, ''), 'hex')])],
  ];
}

/** The PXE ROM's DISCOVER, to the DHCP port. */
export function pxeDiscover(id: ClientIdentity, xid: number): Buffer {
  return request('DISCOVER', id, xid, pxeOptions(id, pxeParameters));
}

/** The PXE ROM's REQUEST to the boot server port (4011) after a proxy offer (PXE 2.1 §2.2.6). */
export function pxeBootRequest(id: ClientIdentity, xid: number, serverId: string): Buffer {
  return request('REQUEST', id, xid, [...pxeOptions(id, pxeParameters), [Opt.SERVER_ID, ip4(serverId)]]);
}

/** iPXE's DISCOVER: it tells who it is with user class "iPXE" and its encapsulated options. */
export function ipxeDiscover(id: ClientIdentity, xid: number): Buffer {
  return request('DISCOVER', id, xid, [...pxeOptions(id, ipxeParameters), [Opt.USER_CLASS, Buffer.from('iPXE', 'latin1')], [Opt.IPXE_ENCAP, ipxeEncapsulated]]);
}

/** iPXE's ProxyDHCP REQUEST to port 4011, which its ACK (with the filename) answers. */
export function ipxeBootRequest(id: ClientIdentity, xid: number, serverId: string): Buffer {
  return request('REQUEST', id, xid, [...pxeOptions(id, ipxeParameters), [Opt.USER_CLASS, Buffer.from('iPXE', 'latin1')], [Opt.IPXE_ENCAP, ipxeEncapsulated], [Opt.SERVER_ID, ip4(serverId)]]);
}

/** busybox udhcpc in the microkernel (`-V Monorail-microkernel -x hostname:microkernel`). */
export function microkernelDiscover(id: ClientIdentity, xid: number): Buffer {
  return request('DISCOVER', id, xid, [
    [Opt.PARAMETER_LIST, Buffer.from([1, 3, 6, 12, 15, 28, 42])],
    [Opt.VENDOR_CLASS, Buffer.from('Monorail-microkernel', 'latin1')],
    [Opt.HOSTNAME, Buffer.from('microkernel', 'latin1')],
  ]);
}

export interface BootAnswer {
  readonly messageType: number | undefined;
  readonly siaddr: string;
  readonly file: string;
  readonly serverId: string | undefined;
}

export function bootAnswerOf(p: DhcpPacket): BootAnswer {
  const serverId = p.options.get(Opt.SERVER_ID);
  return {
    messageType: p.options.get(Opt.MESSAGE_TYPE)?.[0],
    siaddr: p.siaddr,
    file: p.file !== '' ? p.file : (p.options.get(Opt.BOOTFILE)?.toString('latin1') ?? ''),
    serverId: serverId?.length === 4 ? [...serverId].join('.') : undefined,
  };
}
