import { describe, expect, it } from 'vitest';
import { readClientRequest, readUserClasses } from '../../../src/protocols/dhcp/client-request.ts';
import { BOOTREPLY } from '../../../src/protocols/dhcp/dhcp-constants.ts';
import { clientPacket, decodeOrThrow, ipxeDiscover, pxeDiscover } from '../../support/dhcp-packets.ts';
import { requestOf } from '../../support/dhcp-responder-context.ts';
import { capturedPacket } from '../../support/dhcp-captures.ts';

const mac = '52:54:00:99:00:10';

describe('client requests', () => {
  it.each([
    ['BIOS PXE ROM', pxeDiscover(mac, 0), 'pxe', 'bios'],
    ['EDK2 x64 (arch 7)', pxeDiscover(mac, 7), 'pxe', 'uefi-x64'],
    ['EFI x86-64 (arch 9)', pxeDiscover(mac, 9), 'pxe', 'uefi-x64'],
    ['EFI ia32 (arch 6)', pxeDiscover(mac, 6), 'pxe', 'uefi-ia32'],
    ['EFI arm64 (arch 11)', pxeDiscover(mac, 11), 'pxe', 'uefi-arm64'],
    ['ARM32 UEFI (arch 10)', pxeDiscover(mac, 10), 'pxe', 'unknown'],
    ['UEFI HTTP x64 (arch 16)', clientPacket({ type: 'DISCOVER', mac, vendorClass: 'HTTPClient:Arch:00016:UNDI:003001', arch: 16 }), 'http-boot', 'uefi-x64-http'],
    ['UEFI HTTP arm64 (arch 19)', clientPacket({ type: 'DISCOVER', mac, vendorClass: 'HTTPClient:Arch:00019:UNDI:003001', arch: 19 }), 'http-boot', 'uefi-arm64-http'],
    ['HTTPClient without option 93', clientPacket({ type: 'DISCOVER', mac, vendorClass: 'HTTPClient' }), 'http-boot', 'uefi-x64-http'],
    ['PXE ROM without option 93 (arch from vendor class)', clientPacket({ type: 'DISCOVER', mac, vendorClass: 'PXEClient:Arch:00007:UNDI:002001' }), 'pxe', 'uefi-x64'],
    ['legacy PXE ROM without any arch', clientPacket({ type: 'DISCOVER', mac, vendorClass: 'PXEClient' }), 'pxe', 'bios'],
    ['iPXE', ipxeDiscover(mac, 0), 'ipxe', 'bios'],
    ['iPXE EFI', ipxeDiscover(mac, 7), 'ipxe', 'uefi-x64'],
    ['iPXE by option 175 only', clientPacket({ type: 'DISCOVER', mac, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', ipxeEncap: true }), 'ipxe', 'bios'],
    ["RackHD's iPXE (user class MonoRail)", clientPacket({ type: 'DISCOVER', mac, vendorClass: 'PXEClient', userClass: 'MonoRail' }), 'ipxe', 'bios'],
    ['RFC 3004 user class list containing iPXE', clientPacket({ type: 'DISCOVER', mac, userClass: '\x04iPXE\x03foo' }), 'ipxe', 'bios'],
    ['the microkernel (F8)', clientPacket({ type: 'DISCOVER', mac, vendorClass: 'E2E-microkernel' }), 'microkernel', 'unknown'],
    ['dhclient without vendor class', clientPacket({ type: 'DISCOVER', mac }), 'other', 'unknown'],
    ['a Linux udhcpc', clientPacket({ type: 'DISCOVER', mac, vendorClass: 'udhcp 1.35.0' }), 'other', 'unknown'],
  ])('%s → %s / %s', (_name, wire, firmware, arch) => {
    const r = requestOf(wire);
    expect({ firmware: r.firmware, arch: r.arch, mac: r.mac }).toEqual({ firmware, arch, mac });
  });

  it('reads the identity options', () => {
    const r = requestOf(
      clientPacket({ type: 'REQUEST', mac, requestedIp: '10.99.0.100', serverId: '10.99.0.1', relayAgentInfo: Buffer.from([1, 2, 3, 4]), maxMessageSize: 1500, parameterList: [1, 67] }),
    );
    expect(r).toMatchObject({ messageType: 'REQUEST', requestedIp: '10.99.0.100', serverId: '10.99.0.1', maxMessageSize: 1500, parameterList: [1, 67] });
    expect(r.relayAgentInfo).toEqual(Buffer.from([1, 2, 3, 4]));
  });

  it.each([
    ['a BOOTREPLY', { ...decodeOrThrow(pxeDiscover(mac)), op: BOOTREPLY }, 'not-a-request'],
    ['plain BOOTP', { ...decodeOrThrow(pxeDiscover(mac)), options: new Map() }, 'no-message-type'],
    ['message type 9', { ...decodeOrThrow(pxeDiscover(mac)), options: new Map([[53, Buffer.from([9])]]) }, 'unknown-message-type'],
    ['message type of 2 octets', { ...decodeOrThrow(pxeDiscover(mac)), options: new Map([[53, Buffer.from([1, 1])]]) }, 'malformed-option'],
    ['InfiniBand (htype 32)', { ...decodeOrThrow(pxeDiscover(mac)), htype: 32, hlen: 0 }, 'unsupported-hardware'],
    ['requested IP of 3 octets', decodeOrThrow(clientPacket({ type: 'REQUEST', mac, extra: [[50, Buffer.from([1, 2, 3])]] })), 'malformed-option'],
  ])('refuses %s', (_name, packet, reason) => {
    const r = readClientRequest(packet);
    expect(r.ok ? 'accepted' : r.reason).toBe(reason);
  });

  it('reads user classes as RFC 3004 lists or, failing that, as one raw class', () => {
    expect(readUserClasses(Buffer.from('iPXE'))).toEqual(['iPXE']);
    expect(readUserClasses(Buffer.from('\x04iPXE\x03abc'))).toEqual(['iPXE', 'abc']);
    expect(readUserClasses(Buffer.from('\x09iPXE'))).toEqual(['\x09iPXE']);
    expect(readUserClasses(undefined)).toEqual([]);
  });
});

describe('packets captured from real clients', () => {
  it.each([
    ['udhcpc-discover', 'f2:04:c6:9f:08:ef', 'pxe', 'bios', false],
    ['dhclient-discover', '5a:c6:a9:1d:0d:9e', 'pxe', 'bios', false],
    ['ipxe-bios-virtio-discover', '52:54:00:99:00:10', 'ipxe', 'bios', true],
    ['edk2-ovmf-x64-discover', '52:54:00:99:00:20', 'pxe', 'uefi-x64', true],
  ] as const)('%s is read as %s / %s / %s', (name, mac, firmware, arch, uuid) => {
    const r = requestOf(capturedPacket(name));
    expect({ mac: r.mac, firmware: r.firmware, arch: r.arch, uuid: r.uuid !== undefined, type: r.messageType }).toEqual({ mac, firmware, arch, uuid, type: 'DISCOVER' });
  });
});
