/**
 * DHCPv4 wire format: the BOOTP header (RFC 2131 §2), the magic cookie and the options (RFC 2132),
 * with option overload (RFC 2132 §9.3) and long options split into several instances (RFC 3396).
 *
 * `decodePacket` takes untrusted bytes and never throws: every defect is a typed `DecodeError`. It
 * returns each option once, its instances concatenated in RFC 3396 §7 order (options field, then
 * `file`, then `sname`). `encodePacket` takes the options as a map, so no code can be written twice
 * (real-clients.md F4: dhclient concatenates duplicates, udhcpc keeps the first), and refuses a value
 * that would need splitting instead of emitting its code twice.
 */
import { ValidationError } from '../../errors.ts';
import { formatIpv4, parseIpv4 } from '../../actors/dhcp/ipv4-address.ts';
import { MAGIC_COOKIE, Opt } from './dhcp-constants.ts';

/** Option code → value; one entry per code. */
export type DhcpOptions = ReadonlyMap<number, Buffer>;

export interface DhcpPacket {
  readonly op: number;
  readonly htype: number;
  readonly hlen: number;
  readonly hops: number;
  readonly xid: number;
  readonly secs: number;
  readonly flags: number;
  readonly ciaddr: string;
  readonly yiaddr: string;
  readonly siaddr: string;
  readonly giaddr: string;
  /** The 16-octet chaddr field as sent; its first `hlen` octets are the hardware address. */
  readonly chaddr: Buffer;
  /** Up to the first NUL; empty when the field carries options (overload). */
  readonly sname: string;
  readonly file: string;
  readonly options: DhcpOptions;
}

export type DecodeErrorCode =
  | 'too-short'
  | 'too-long'
  | 'bad-magic-cookie'
  | 'bad-hlen'
  | 'truncated-option'
  | 'bad-overload';

export interface DecodeError {
  readonly code: DecodeErrorCode;
  readonly message: string;
}

export type DecodeResult = { readonly ok: true; readonly packet: DhcpPacket } | { readonly ok: false; readonly error: DecodeError };

/** RFC 2131 §2: op .. file is 236 octets, then the 4-octet cookie. */
const HEADER_BYTES = 236;
const OPTIONS_START = HEADER_BYTES + 4;
const SNAME_OFFSET = 44;
const SNAME_BYTES = 64;
const FILE_OFFSET = 108;
const FILE_BYTES = 128;
/**
 * The largest UDP payload of one Ethernet frame (1500 − 20 − 8). DHCP clients do not fragment, and
 * RFC 2131 §2 only obliges them to accept 576-octet messages, so anything bigger is not a client.
 */
export const MAX_PACKET_BYTES = 1472;
/** RFC 1542 §2.1: BOOTP relays and old clients expect at least 300 octets. */
export const MIN_REPLY_BYTES = 300;
/** RFC 2131 §2: every client accepts 576 octets (IP datagram), i.e. 548 of DHCP message. */
export const DEFAULT_MAX_REPLY_BYTES = 548;

const fail = (code: DecodeErrorCode, message: string): DecodeResult => ({ ok: false, error: { code, message } });

/** Scans one option region into `into`; undefined when it is well formed (END or region end reached). */
function scanOptions(buf: Buffer, start: number, end: number, region: string, into: Map<number, Buffer[]>): DecodeError | undefined {
  let i = start;
  while (i < end) {
    const code = buf[i]!;
    if (code === Opt.PAD) {
      i += 1;
      continue;
    }
    if (code === Opt.END) return undefined;
    if (i + 1 >= end) return { code: 'truncated-option', message: `option ${code} in ${region} has no length octet` };
    const len = buf[i + 1]!;
    if (i + 2 + len > end) return { code: 'truncated-option', message: `option ${code} in ${region} claims ${len} octets, ${end - i - 2} remain` };
    const chunks = into.get(code);
    const value = buf.subarray(i + 2, i + 2 + len);
    if (chunks) chunks.push(value);
    else into.set(code, [value]);
    i += 2 + len;
  }
  // RFC 2131 §4.1 wants an END option; clients that fill the field exactly are accepted anyway.
  return undefined;
}

const cString = (buf: Buffer, offset: number, length: number): string => {
  const field = buf.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? length : nul).toString('latin1');
};

const ipAt = (buf: Buffer, offset: number): string => formatIpv4(buf.readUInt32BE(offset));

export function decodePacket(buf: Buffer, maxBytes = MAX_PACKET_BYTES): DecodeResult {
  if (buf.length < OPTIONS_START) return fail('too-short', `${buf.length} octets, a DHCP message has at least ${OPTIONS_START}`);
  if (buf.length > maxBytes) return fail('too-long', `${buf.length} octets, more than ${maxBytes}`);
  if (buf.readUInt32BE(HEADER_BYTES) !== MAGIC_COOKIE) return fail('bad-magic-cookie', 'no DHCP magic cookie (RFC 2131 §3): plain BOOTP is not served');
  const hlen = buf[2]!;
  if (hlen > 16) return fail('bad-hlen', `hlen ${hlen} exceeds the 16-octet chaddr field`);

  const chunks = new Map<number, Buffer[]>();
  const mainError = scanOptions(buf, OPTIONS_START, buf.length, 'options', chunks);
  if (mainError) return { ok: false, error: mainError };

  let overload = 0;
  const overloadChunks = chunks.get(Opt.OVERLOAD);
  if (overloadChunks) {
    const value = Buffer.concat(overloadChunks);
    if (value.length !== 1 || value[0]! < 1 || value[0]! > 3) return fail('bad-overload', `option 52 must be one octet 1, 2 or 3, got ${value.toString('hex')}`);
    overload = value[0]!;
    // RFC 2132 §9.3: overload is only meaningful in the options field, so it is not read in file or sname.
    chunks.delete(Opt.OVERLOAD);
    const fromFields = new Map<number, Buffer[]>();
    if (overload & 1) {
      const e = scanOptions(buf, FILE_OFFSET, FILE_OFFSET + FILE_BYTES, 'file', fromFields);
      if (e) return { ok: false, error: e };
    }
    if (overload & 2) {
      const e = scanOptions(buf, SNAME_OFFSET, SNAME_OFFSET + SNAME_BYTES, 'sname', fromFields);
      if (e) return { ok: false, error: e };
    }
    fromFields.delete(Opt.OVERLOAD);
    for (const [code, parts] of fromFields) {
      const existing = chunks.get(code);
      if (existing) existing.push(...parts);
      else chunks.set(code, parts);
    }
    chunks.set(Opt.OVERLOAD, [Buffer.from([overload])]);
  }

  const options = new Map<number, Buffer>();
  for (const [code, parts] of chunks) options.set(code, parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts));

  return {
    ok: true,
    packet: {
      op: buf[0]!,
      htype: buf[1]!,
      hlen,
      hops: buf[3]!,
      xid: buf.readUInt32BE(4),
      secs: buf.readUInt16BE(8),
      flags: buf.readUInt16BE(10),
      ciaddr: ipAt(buf, 12),
      yiaddr: ipAt(buf, 16),
      siaddr: ipAt(buf, 20),
      giaddr: ipAt(buf, 24),
      chaddr: Buffer.from(buf.subarray(28, 44)),
      sname: overload & 2 ? '' : cString(buf, SNAME_OFFSET, SNAME_BYTES),
      file: overload & 1 ? '' : cString(buf, FILE_OFFSET, FILE_BYTES),
      options,
    },
  };
}

export interface EncodeLimits {
  /** Pad the message to at least this many octets (RFC 1542 §2.1). */
  readonly minBytes?: number;
  /** Refuse to produce more than this (the client's option 57, else 548). */
  readonly maxBytes?: number;
}

function writeIp(buf: Buffer, offset: number, text: string, field: string): void {
  const n = parseIpv4(text);
  if (n === undefined) throw new ValidationError(`DHCP ${field} "${text}" is not an IPv4 address`);
  buf.writeUInt32BE(n, offset);
}

/**
 * Serialises a packet. Throws `ValidationError` for what the caller built wrongly (a value longer than
 * 255 octets, a name too long for its field, a message over `maxBytes`): these are programming or
 * configuration errors, never client input.
 */
export function encodePacket(p: DhcpPacket, limits: EncodeLimits = {}): Buffer {
  const minBytes = limits.minBytes ?? MIN_REPLY_BYTES;
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_REPLY_BYTES;
  const sname = Buffer.from(p.sname, 'latin1');
  const file = Buffer.from(p.file, 'latin1');
  if (sname.length > SNAME_BYTES - 1) throw new ValidationError(`DHCP sname is ${sname.length} octets; at most ${SNAME_BYTES - 1} fit with its NUL`);
  if (file.length > FILE_BYTES - 1) throw new ValidationError(`DHCP file is ${file.length} octets; at most ${FILE_BYTES - 1} fit with its NUL`);
  if (p.chaddr.length > 16 || p.hlen > 16) throw new ValidationError('DHCP chaddr is longer than 16 octets');

  let optionBytes = 1;
  for (const [code, value] of p.options) {
    if (code <= Opt.PAD || code >= Opt.END || !Number.isInteger(code)) throw new ValidationError(`DHCP option code ${code} cannot carry a value`);
    if (value.length > 255) throw new ValidationError(`DHCP option ${code} is ${value.length} octets; splitting it (RFC 3396) would repeat its code`);
    optionBytes += 2 + value.length;
  }
  const length = Math.max(minBytes, OPTIONS_START + optionBytes);
  if (length > maxBytes) throw new ValidationError(`DHCP message would be ${length} octets, more than ${maxBytes}`);

  const buf = Buffer.alloc(length);
  buf[0] = p.op;
  buf[1] = p.htype;
  buf[2] = p.hlen;
  buf[3] = p.hops;
  buf.writeUInt32BE(p.xid >>> 0, 4);
  buf.writeUInt16BE(p.secs & 0xffff, 8);
  buf.writeUInt16BE(p.flags & 0xffff, 10);
  writeIp(buf, 12, p.ciaddr, 'ciaddr');
  writeIp(buf, 16, p.yiaddr, 'yiaddr');
  writeIp(buf, 20, p.siaddr, 'siaddr');
  writeIp(buf, 24, p.giaddr, 'giaddr');
  p.chaddr.copy(buf, 28);
  sname.copy(buf, SNAME_OFFSET);
  file.copy(buf, FILE_OFFSET);
  buf.writeUInt32BE(MAGIC_COOKIE, HEADER_BYTES);

  let i = OPTIONS_START;
  const write = (code: number, value: Buffer): void => {
    buf[i] = code;
    buf[i + 1] = value.length;
    value.copy(buf, i + 2);
    i += 2 + value.length;
  };
  // Message type first: RFC 2131 allows any order, but some ROMs only look near the start.
  const type = p.options.get(Opt.MESSAGE_TYPE);
  if (type) write(Opt.MESSAGE_TYPE, type);
  for (const [code, value] of p.options) if (code !== Opt.MESSAGE_TYPE) write(code, value);
  buf[i] = Opt.END;
  return buf;
}
