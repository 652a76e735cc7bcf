/**
 * Reads a classic pcap file written by tcpdump on an Ethernet interface and returns its IPv4/UDP
 * datagrams, so namespace tests can check what a real client's interface actually received.
 */
import { readFileSync } from 'node:fs';

export interface UdpDatagram {
  readonly source: string;
  readonly sourcePort: number;
  readonly destination: string;
  readonly destinationPort: number;
  readonly payload: Buffer;
}

const ip = (b: Buffer, at: number): string => [...b.subarray(at, at + 4)].join('.');

export function readPcapUdp(file: string): UdpDatagram[] {
  const d = readFileSync(file);
  if (d.length < 24) return [];
  const littleEndian = d.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (at: number): number => (littleEndian ? d.readUInt32LE(at) : d.readUInt32BE(at));
  const out: UdpDatagram[] = [];
  let at = 24;
  while (at + 16 <= d.length) {
    const length = u32(at + 8);
    const frame = d.subarray(at + 16, at + 16 + length);
    at += 16 + length;
    if (frame.length < 42 || frame.readUInt16BE(12) !== 0x0800 || frame[23] !== 17) continue;
    const ihl = (frame[14]! & 15) * 4;
    const udp = 14 + ihl;
    out.push({
      source: ip(frame, 26),
      destination: ip(frame, 30),
      sourcePort: frame.readUInt16BE(udp),
      destinationPort: frame.readUInt16BE(udp + 2),
      payload: Buffer.from(frame.subarray(udp + 8, udp + frame.readUInt16BE(udp + 4))),
    });
  }
  return out;
}
