import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  encodeAck,
  encodeData,
  encodeError,
  encodeOack,
  encodeRequest,
  MAX_REQUEST_BYTES,
  TftpErrorCode,
} from '../../../src/protocols/tftp/packet-codec.ts';

const bytes = (...parts: (number[] | string)[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('TFTP packet codec', () => {
  it('decodes the read requests real clients send (real-clients.md F5)', () => {
    // EDK2's size probe: tsize 0 blksize 1468 windowsize 4
    const edk2 = bytes([0, 1], 'snponly.efi\0octet\0tsize\x000\0blksize\x001468\0windowsize\x004\0');
    expect(decodePacket(edk2)).toEqual({
      ok: true,
      packet: {
        op: 'rrq',
        filename: 'snponly.efi',
        mode: 'octet',
        options: [
          ['tsize', '0'],
          ['blksize', '1468'],
          ['windowsize', '4'],
        ],
        malformedOptions: 0,
      },
    });
    // tftp-hpa: no options
    expect(decodePacket(bytes([0, 1], 'blob.bin\0octet\0'))).toMatchObject({ ok: true, packet: { op: 'rrq', filename: 'blob.bin', options: [] } });
  });

  it('lower-cases mode and option names (RFC 2347 §2: case-insensitive) and keeps values as sent', () => {
    const d = decodePacket(bytes([0, 1], 'F\0OcTeT\0BLKSIZE\x001024\0TSize\x000\0'));
    expect(d).toMatchObject({ ok: true, packet: { mode: 'octet', options: [['blksize', '1024'], ['tsize', '0']] } });
  });

  it('decodes a write request as such', () => {
    expect(decodePacket(encodeRequest('wrq', 'up.bin', 'octet'))).toMatchObject({ ok: true, packet: { op: 'wrq', filename: 'up.bin' } });
  });

  it('tolerates trailing NUL padding and counts option fields that are not pairs', () => {
    expect(decodePacket(bytes([0, 1], 'f\0octet\0blksize\x00512\0\0\0'))).toMatchObject({ ok: true, packet: { options: [['blksize', '512']], malformedOptions: 0 } });
    expect(decodePacket(bytes([0, 1], 'f\0octet\0blksize\0'))).toMatchObject({ ok: true, packet: { options: [], malformedOptions: 1 } });
    // an unterminated last option is dropped, the request still stands
    expect(decodePacket(bytes([0, 1], 'f\0octet\0tsize\x000\0blksize\x00512'))).toMatchObject({ ok: true, packet: { options: [['tsize', '0']], malformedOptions: 1 } });
    expect(decodePacket(bytes([0, 1], 'f\0octet\0\x00512\0'))).toMatchObject({ ok: true, packet: { options: [], malformedOptions: 1 } });
  });

  it('refuses requests without a terminated filename and mode, with an empty name, or invalid UTF-8', () => {
    for (const b of [
      bytes([0, 1], 'file'),
      bytes([0, 1], 'file\0octet'),
      bytes([0, 1], 'file\0'),
      bytes([0, 1], '\0octet\0'),
      bytes([0, 1], [0xff, 0xfe, 0], 'octet\0'),
    ]) {
      expect(decodePacket(b).ok).toBe(false);
    }
  });

  it(`refuses requests longer than ${MAX_REQUEST_BYTES} bytes (RFC 2347 §2)`, () => {
    const long = encodeRequest('rrq', 'a'.repeat(600), 'octet');
    expect(decodePacket(long)).toMatchObject({ ok: false, reason: expect.stringContaining('exceeds') as unknown });
  });

  it('refuses datagrams too short to be TFTP and unknown opcodes', () => {
    expect(decodePacket(Buffer.alloc(0)).ok).toBe(false);
    expect(decodePacket(Buffer.from([0, 4, 0])).ok).toBe(false);
    expect(decodePacket(Buffer.from([0, 7, 0, 0])).ok).toBe(false);
    expect(decodePacket(Buffer.from([0xff, 0xff, 0, 1])).ok).toBe(false);
  });

  it('round-trips DATA, ACK, ERROR and OACK', () => {
    expect(decodePacket(encodeData(65535, Buffer.from('xyz')))).toEqual({ ok: true, packet: { op: 'data', block: 65535, data: Buffer.from('xyz') } });
    expect(decodePacket(encodeData(65536, Buffer.alloc(0)))).toEqual({ ok: true, packet: { op: 'data', block: 0, data: Buffer.alloc(0) } });
    expect(decodePacket(encodeAck(7))).toEqual({ ok: true, packet: { op: 'ack', block: 7 } });
    expect(decodePacket(encodeError(TftpErrorCode.fileNotFound, 'file not found'))).toEqual({
      ok: true,
      packet: { op: 'error', code: 1, message: 'file not found' },
    });
    expect(decodePacket(encodeOack([['blksize', '1468'], ['tsize', '123']]))).toEqual({
      ok: true,
      packet: { op: 'oack', options: [['blksize', '1468'], ['tsize', '123']] },
    });
  });

  it('reads an ACK with trailing bytes and an ERROR without its NUL, and bounds the message', () => {
    expect(decodePacket(Buffer.from([0, 4, 0, 9, 1, 2, 3]))).toEqual({ ok: true, packet: { op: 'ack', block: 9 } });
    expect(decodePacket(bytes([0, 5, 0, 8], 'no nul'))).toEqual({ ok: true, packet: { op: 'error', code: 8, message: 'no nul' } });
    const huge = decodePacket(bytes([0, 5, 0, 0], 'x'.repeat(5000), '\0'));
    expect(huge.ok && huge.packet.op === 'error' && huge.packet.message.length).toBe(200);
  });
});
