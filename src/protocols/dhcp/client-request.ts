/**
 * What a decoded BOOTREQUEST says about its sender: message type, hardware address, the identity
 * options, and which firmware is asking (PXE ROM, iPXE, UEFI HTTP boot, the microkernel, anything else)
 * on which architecture. Requests Monorail cannot serve are refused here with a reason, so the
 * responders only see well-formed Ethernet DHCP requests.
 */
import type { ClientArch, ClientFirmware } from '../node-directory.ts';
import { BOOTREQUEST, messageTypeName, Opt, type MessageTypeName } from './dhcp-constants.ts';
import type { DhcpPacket } from './packet-codec.ts';
import { readIp, readText } from './option-values.ts';

export interface ClientRequest {
  readonly packet: DhcpPacket;
  readonly messageType: MessageTypeName;
  /** Canonical `aa:bb:cc:dd:ee:ff`. */
  readonly mac: string;
  readonly vendorClass?: string;
  readonly userClasses: readonly string[];
  /** RFC 4578 §2.1 architecture code (option 93, else the `Arch:` field of a PXE vendor class). */
  readonly archCode?: number;
  readonly arch: ClientArch;
  readonly firmware: ClientFirmware;
  /** iPXE is running (user class "iPXE", RackHD's "MonoRail", or option 175). */
  readonly ipxe: boolean;
  readonly uuid?: Buffer;
  readonly requestedIp?: string;
  readonly serverId?: string;
  readonly parameterList: readonly number[];
  readonly relayAgentInfo?: Buffer;
  readonly maxMessageSize?: number;
}

export type RefusalReason = 'not-a-request' | 'no-message-type' | 'unknown-message-type' | 'unsupported-hardware' | 'malformed-option';

export type ClientRequestResult =
  | { readonly ok: true; readonly request: ClientRequest }
  | { readonly ok: false; readonly reason: RefusalReason; readonly detail: string };

/**
 * RFC 4578 §2.1 codes (IANA "Processor Architecture Types") that pick a boot file. A client that sends
 * no code is placed by its firmware: PXE ROMs older than RFC 4578 are BIOS ROMs.
 */
export function archOf(code: number): ClientArch {
  switch (code) {
    case 0:
      return 'bios';
    case 6:
      return 'uefi-ia32';
    case 7:
    case 9:
      return 'uefi-x64';
    case 11:
      return 'uefi-arm64';
    case 16:
      return 'uefi-x64-http';
    case 19:
      return 'uefi-arm64-http';
    default:
      return 'unknown';
  }
}

/** UEFI HTTP boot architectures (x86, x64, arm32, arm64 HTTP). */
const httpArchCodes: ReadonlySet<number> = new Set([15, 16, 18, 19]);

/**
 * RFC 3004 §4: a list of length-prefixed classes. iPXE sends the bare string "iPXE" instead, which does
 * not parse as a list, so a value that is not a well-formed list is taken as one class.
 */
export function readUserClasses(value: Buffer | undefined): string[] {
  if (value === undefined || value.length === 0) return [];
  const classes: string[] = [];
  let i = 0;
  while (i < value.length) {
    const len = value[i]!;
    if (len === 0 || i + 1 + len > value.length) return [value.toString('latin1')];
    classes.push(value.subarray(i + 1, i + 1 + len).toString('latin1'));
    i += 1 + len;
  }
  return classes;
}

const archInVendorClass = /^(?:PXEClient|HTTPClient):Arch:(\d{5})/;
/** How the microkernel's udhcpc names itself (real-clients.md F8); anything else unknown is "other". */
const microkernelVendorClass = /microkernel/i;

const hex2 = (b: number): string => b.toString(16).padStart(2, '0');

export function readClientRequest(packet: DhcpPacket): ClientRequestResult {
  if (packet.op !== BOOTREQUEST) return { ok: false, reason: 'not-a-request', detail: `op ${packet.op}` };
  const typeValue = packet.options.get(Opt.MESSAGE_TYPE);
  if (typeValue === undefined) return { ok: false, reason: 'no-message-type', detail: 'no option 53 (plain BOOTP)' };
  if (typeValue.length !== 1) return { ok: false, reason: 'malformed-option', detail: `option 53 is ${typeValue.length} octets` };
  const messageType = messageTypeName(typeValue[0]!);
  if (messageType === undefined) return { ok: false, reason: 'unknown-message-type', detail: `message type ${typeValue[0]}` };
  // Ethernet only: every PXE client is, and the node directory keys machines by EUI-48.
  if (packet.htype !== 1 || packet.hlen !== 6) {
    return { ok: false, reason: 'unsupported-hardware', detail: `htype ${packet.htype} hlen ${packet.hlen}` };
  }
  const mac = [...packet.chaddr.subarray(0, 6)].map(hex2).join(':');

  for (const code of [Opt.REQUESTED_IP, Opt.SERVER_ID]) {
    const v = packet.options.get(code);
    if (v !== undefined && v.length !== 4) return { ok: false, reason: 'malformed-option', detail: `option ${code} is ${v.length} octets, not 4` };
  }

  const vendorClass = readText(packet.options.get(Opt.VENDOR_CLASS));
  const userClasses = readUserClasses(packet.options.get(Opt.USER_CLASS));
  const ipxe = packet.options.has(Opt.IPXE_ENCAP) || userClasses.includes('iPXE') || userClasses.includes('MonoRail');

  const archValue = packet.options.get(Opt.CLIENT_ARCH);
  let archCode: number | undefined;
  // RFC 4578 §2.1: a list of 16-bit codes; the first is the client's own.
  if (archValue !== undefined && archValue.length >= 2 && archValue.length % 2 === 0) archCode = archValue.readUInt16BE(0);
  else {
    const m = vendorClass === undefined ? null : archInVendorClass.exec(vendorClass);
    if (m) archCode = Number(m[1]);
  }

  let firmware: ClientFirmware;
  if (ipxe) firmware = 'ipxe';
  else if (vendorClass?.startsWith('HTTPClient') === true || (archCode !== undefined && httpArchCodes.has(archCode))) firmware = 'http-boot';
  else if (vendorClass?.startsWith('PXEClient') === true) firmware = 'pxe';
  else if (vendorClass !== undefined && microkernelVendorClass.test(vendorClass)) firmware = 'microkernel';
  else firmware = 'other';

  const uuid = packet.options.get(Opt.CLIENT_UUID);
  const relayAgentInfo = packet.options.get(Opt.RELAY_AGENT_INFO);
  const maxSize = packet.options.get(Opt.MAX_MESSAGE_SIZE);
  const requestedIp = readIp(packet.options.get(Opt.REQUESTED_IP));
  const serverId = readIp(packet.options.get(Opt.SERVER_ID));
  return {
    ok: true,
    request: {
      packet,
      messageType,
      mac,
      ...(vendorClass === undefined ? {} : { vendorClass }),
      userClasses,
      ...(archCode === undefined ? {} : { archCode }),
      arch: archCode !== undefined ? archOf(archCode) : firmware === 'pxe' || firmware === 'ipxe' ? 'bios' : firmware === 'http-boot' ? 'uefi-x64-http' : 'unknown',
      firmware,
      ipxe,
      ...(uuid === undefined ? {} : { uuid }),
      ...(requestedIp === undefined ? {} : { requestedIp }),
      ...(serverId === undefined ? {} : { serverId }),
      parameterList: [...(packet.options.get(Opt.PARAMETER_LIST) ?? [])],
      ...(relayAgentInfo === undefined ? {} : { relayAgentInfo }),
      ...(maxSize?.length === 2 ? { maxMessageSize: maxSize.readUInt16BE(0) } : {}),
    },
  };
}
