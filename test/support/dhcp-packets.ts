/**
 * DHCP client packets for tests: built from a few fields through the project's own encoder (as a
 * BOOTREQUEST), a seeded PRNG so every fuzz run can be replayed from its seed, and the mutations the
 * fuzz tests apply to valid packets.
 */
import { BOOTREQUEST, MessageType, Opt } from '../../src/protocols/dhcp/dhcp-constants.ts';
import { decodePacket, encodePacket, type DhcpPacket } from '../../src/protocols/dhcp/packet-codec.ts';

export interface ClientPacketSpec {
  readonly type: keyof typeof MessageType;
  readonly mac: string;
  readonly xid?: number;
  readonly flags?: number;
  readonly ciaddr?: string;
  readonly giaddr?: string;
  readonly vendorClass?: string;
  /** Raw option 77 (iPXE sends the bare string "iPXE"). */
  readonly userClass?: string;
  readonly arch?: number;
  readonly uuid?: Buffer;
  readonly requestedIp?: string;
  readonly serverId?: string;
  readonly parameterList?: readonly number[];
  /** iPXE's option 175. */
  readonly ipxeEncap?: boolean;
  readonly relayAgentInfo?: Buffer;
  readonly maxMessageSize?: number;
  readonly extra?: readonly (readonly [number, Buffer])[];
}

const ip4 = (text: string): Buffer => Buffer.from(text.split('.').map(Number));

/** The parameter request list of iPXE 1.0.0+git-20190125 (Debian), as it asks for boot options. */
export const ipxeParameterList = [1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119, 128, 129, 130, 131, 132, 133, 134, 135, 175, 203];

export function clientPacket(spec: ClientPacketSpec): Buffer {
  const options = new Map<number, Buffer>();
  options.set(Opt.MESSAGE_TYPE, Buffer.from([MessageType[spec.type]]));
  if (spec.maxMessageSize !== undefined) options.set(Opt.MAX_MESSAGE_SIZE, Buffer.from([spec.maxMessageSize >> 8, spec.maxMessageSize & 255]));
  if (spec.requestedIp !== undefined) options.set(Opt.REQUESTED_IP, ip4(spec.requestedIp));
  if (spec.serverId !== undefined) options.set(Opt.SERVER_ID, ip4(spec.serverId));
  if (spec.parameterList !== undefined) options.set(Opt.PARAMETER_LIST, Buffer.from(spec.parameterList));
  if (spec.vendorClass !== undefined) options.set(Opt.VENDOR_CLASS, Buffer.from(spec.vendorClass, 'latin1'));
  if (spec.userClass !== undefined) options.set(Opt.USER_CLASS, Buffer.from(spec.userClass, 'latin1'));
  if (spec.arch !== undefined) options.set(Opt.CLIENT_ARCH, Buffer.from([spec.arch >> 8, spec.arch & 255]));
  if (spec.uuid !== undefined) options.set(Opt.CLIENT_UUID, spec.uuid);
  if (spec.ipxeEncap === true) options.set(Opt.IPXE_ENCAP, Buffer.from([0xb1, 0x05, 0x01, 0x80, 0x86, 0x10, 0x0e, 0xeb, 0x03, 0x01, 0x00, 0x00]));
  for (const [code, value] of spec.extra ?? []) options.set(code, value);
  if (spec.relayAgentInfo !== undefined) options.set(Opt.RELAY_AGENT_INFO, spec.relayAgentInfo);
  const chaddr = Buffer.alloc(16);
  Buffer.from(spec.mac.split(':').map((h) => parseInt(h, 16))).copy(chaddr);
  const packet: DhcpPacket = {
    op: BOOTREQUEST,
    htype: 1,
    hlen: 6,
    hops: spec.giaddr === undefined ? 0 : 1,
    xid: spec.xid ?? 0x1234abcd,
    secs: 0,
    flags: spec.flags ?? 0,
    ciaddr: spec.ciaddr ?? '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: spec.giaddr ?? '0.0.0.0',
    chaddr,
    sname: '',
    file: '',
    options,
  };
  return encodePacket(packet, { maxBytes: 1472 });
}

/** A PXE ROM's DISCOVER (vendor class with its architecture, option 93, UUID). */
export function pxeDiscover(mac: string, arch = 0, more: Partial<ClientPacketSpec> = {}): Buffer {
  return clientPacket({
    type: 'DISCOVER',
    mac,
    vendorClass: `PXEClient:Arch:${String(arch).padStart(5, '0')}:UNDI:002001`,
    arch,
    uuid: Buffer.from('00' + '4c4c4544004d3510804bc4c04f4e3132', 'hex'),
    parameterList: [1, 2, 3, 5, 6, 11, 12, 13, 15, 16, 17, 18, 22, 23, 28, 40, 41, 42, 43, 50, 51, 54, 58, 59, 60, 66, 67, 97, 128, 129, 130, 131, 132, 133, 134, 135],
    ...more,
  });
}

/** iPXE's DISCOVER: PXE vendor class, user class "iPXE", option 175. */
export function ipxeDiscover(mac: string, arch = 0, more: Partial<ClientPacketSpec> = {}): Buffer {
  return clientPacket({
    type: 'DISCOVER',
    mac,
    vendorClass: `PXEClient:Arch:${String(arch).padStart(5, '0')}:UNDI:002001`,
    userClass: 'iPXE',
    arch,
    ipxeEncap: true,
    parameterList: ipxeParameterList,
    ...more,
  });
}

export function decodeOrThrow(buf: Buffer): DhcpPacket {
  const r = decodePacket(buf);
  if (!r.ok) throw new Error(`test packet does not decode: ${r.error.message}`);
  return r.packet;
}

export { seededRandom } from './seeded-random.ts';

export const randomInt = (rnd: () => number, n: number): number => Math.floor(rnd() * n);

export function randomBytes(rnd: () => number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = randomInt(rnd, 256);
  return b;
}

/**
 * One random mutation of a valid packet: flipped bits, overwritten bytes (biased to the options),
 * truncation, extension with garbage, a corrupted option length, a random option spliced in, the
 * overload option set, or the END removed.
 */
export function mutate(rnd: () => number, original: Buffer): Buffer {
  const b = Buffer.from(original);
  const optionsAt = 240;
  switch (randomInt(rnd, 9)) {
    case 0: {
      for (let k = 1 + randomInt(rnd, 8); k > 0; k--) {
        const i = randomInt(rnd, b.length);
        b[i] = b[i]! ^ (1 << randomInt(rnd, 8));
      }
      return b;
    }
    case 1: {
      for (let k = 1 + randomInt(rnd, 16); k > 0; k--) b[optionsAt + randomInt(rnd, b.length - optionsAt)] = randomInt(rnd, 256);
      return b;
    }
    case 2:
      return b.subarray(0, randomInt(rnd, b.length));
    case 3:
      return Buffer.concat([b, randomBytes(rnd, 1 + randomInt(rnd, 1400))]);
    case 4: {
      // An option length pointing past the end, or shortened.
      let i = optionsAt;
      const starts: number[] = [];
      while (i < b.length && b[i] !== 255) {
        if (b[i] === 0) {
          i++;
          continue;
        }
        starts.push(i);
        i += 2 + (b[i + 1] ?? 0);
      }
      if (starts.length > 0) b[starts[randomInt(rnd, starts.length)]! + 1] = randomInt(rnd, 256);
      return b;
    }
    case 5: {
      const code = randomInt(rnd, 256);
      const value = randomBytes(rnd, randomInt(rnd, 256));
      return Buffer.concat([b.subarray(0, optionsAt), Buffer.from([code, value.length]), value, b.subarray(optionsAt)]);
    }
    case 6: {
      // Option overload with garbage in file and sname.
      randomBytes(rnd, 192).copy(b, 44);
      return Buffer.concat([b.subarray(0, optionsAt), Buffer.from([52, 1, 1 + randomInt(rnd, 3)]), b.subarray(optionsAt)]);
    }
    case 7: {
      const end = b.lastIndexOf(255);
      return end > optionsAt ? b.subarray(0, end) : b;
    }
    default: {
      // The same option many times (RFC 3396 concatenation) until the packet is huge.
      const parts: Buffer[] = [b.subarray(0, optionsAt)];
      for (let k = 0; k < 1 + randomInt(rnd, 40); k++) parts.push(Buffer.from([60, 255]), randomBytes(rnd, 255));
      parts.push(b.subarray(optionsAt));
      return Buffer.concat(parts);
    }
  }
}
