/**
 * Option value formats of RFC 2132 §2 (addresses, 8/16/32-bit integers, NVT ASCII strings), read
 * from untrusted values without throwing and written from trusted ones.
 */
import { ValidationError } from '../../errors.ts';
import { formatIpv4, parseIpv4 } from '../../actors/dhcp/ipv4-address.ts';

export function ipValue(text: string): Buffer {
  const n = parseIpv4(text);
  if (n === undefined) throw new ValidationError(`"${text}" is not an IPv4 address`);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export function ipListValue(texts: readonly string[]): Buffer {
  return Buffer.concat(texts.map(ipValue));
}

export function u32Value(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export const u8Value = (n: number): Buffer => Buffer.from([n & 255]);

/** Strings are written as UTF-8, which is ASCII for every name and URL Monorail sends. */
export const textValue = (text: string): Buffer => Buffer.from(text, 'utf8');

/** A 4-octet address option, or undefined when the value is not exactly 4 octets. */
export function readIp(value: Buffer | undefined): string | undefined {
  return value?.length === 4 ? formatIpv4(value.readUInt32BE(0)) : undefined;
}

export function readU16(value: Buffer | undefined): number | undefined {
  return value?.length === 2 ? value.readUInt16BE(0) : undefined;
}

/** Client-supplied text, read as Latin-1 so every octet maps to one character and nothing can fail. */
export function readText(value: Buffer | undefined): string | undefined {
  if (value === undefined) return undefined;
  const nul = value.indexOf(0);
  return value.subarray(0, nul < 0 ? value.length : nul).toString('latin1');
}
