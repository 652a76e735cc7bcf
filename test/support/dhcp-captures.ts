/**
 * DHCPDISCOVERs real clients sent on this machine (captured with tcpdump in a namespace, no server
 * answering): busybox udhcpc and ISC dhclient with a PXE vendor class as in real-clients.md §2, the
 * iPXE ROM of Debian's ipxe-qemu (BIOS, virtio-net) and OVMF's own EDK2 PXE (x64).
 */
import { readFileSync } from 'node:fs';

const names = ['udhcpc-discover', 'dhclient-discover', 'ipxe-bios-virtio-discover', 'edk2-ovmf-x64-discover'] as const;
export type CaptureName = (typeof names)[number];

export function capturedPacket(name: CaptureName): Buffer {
  return Buffer.from(readFileSync(new URL(`../fixtures/dhcp/${name}.hex`, import.meta.url), 'utf8').trim(), 'hex');
}

export const capturedPackets = (): Buffer[] => names.map(capturedPacket);
