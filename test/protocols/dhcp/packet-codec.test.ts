import { describe, expect, it } from 'vitest';
import { BOOTREPLY, MAGIC_COOKIE, Opt } from '../../../src/protocols/dhcp/dhcp-constants.ts';
import { decodePacket, encodePacket, type DecodeErrorCode, type DhcpPacket } from '../../../src/protocols/dhcp/packet-codec.ts';
import { clientPacket, ipxeDiscover, mutate, pxeDiscover, randomBytes, randomInt, seededRandom } from '../../support/dhcp-packets.ts';

/** A bare 240-octet header + cookie with the given option bytes after it. */
function withOptions(options: number[], edit?: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(240);
  b[0] = 1;
  b[1] = 1;
  b[2] = 6;
  b.writeUInt32BE(MAGIC_COOKIE, 236);
  edit?.(b);
  return Buffer.concat([b, Buffer.from(options)]);
}

const decoded = (buf: Buffer): DhcpPacket => {
  const r = decodePacket(buf);
  if (!r.ok) throw new Error(r.error.message);
  return r.packet;
};

const codesIn = (wire: Buffer): number[] => {
  const codes: number[] = [];
  let i = 240;
  while (i < wire.length && wire[i] !== 255) {
    if (wire[i] === 0) {
      i++;
      continue;
    }
    codes.push(wire[i]!);
    i += 2 + wire[i + 1]!;
  }
  return codes;
};

describe('DHCP codec: decode', () => {
  it('reads the RFC 2131 header fields and options of a PXE DISCOVER', () => {
    const p = decoded(pxeDiscover('52:54:00:99:00:10', 7, { xid: 0xdeadbeef, flags: 0x8000, giaddr: '10.1.2.3' }));
    expect(p).toMatchObject({ op: 1, htype: 1, hlen: 6, hops: 1, xid: 0xdeadbeef, flags: 0x8000, ciaddr: '0.0.0.0', giaddr: '10.1.2.3', sname: '', file: '' });
    expect(p.chaddr.subarray(0, 6).toString('hex')).toBe('52540099 0010'.replace(' ', ''));
    expect(p.options.get(Opt.MESSAGE_TYPE)).toEqual(Buffer.from([1]));
    expect(p.options.get(Opt.VENDOR_CLASS)?.toString()).toBe('PXEClient:Arch:00007:UNDI:002001');
    expect(p.options.get(Opt.CLIENT_ARCH)).toEqual(Buffer.from([0, 7]));
    expect(p.options.get(Opt.CLIENT_UUID)?.length).toBe(17);
  });

  it('skips a single pad octet (node-dhcp swallows the next option code, decision 0004)', () => {
    const p = decoded(withOptions([53, 1, 1, 0, 12, 3, 0x61, 0x62, 0x63, 0, 0, 0, 255]));
    expect(p.options.get(Opt.HOSTNAME)?.toString()).toBe('abc');
    expect([...p.options.keys()]).toEqual([53, 12]);
  });

  it('ignores everything after END', () => {
    const p = decoded(withOptions([53, 1, 1, 255, 12, 200, 1, 2]));
    expect([...p.options.keys()]).toEqual([53]);
  });

  it('accepts an options field that ends without END', () => {
    const p = decoded(withOptions([53, 1, 3, 50, 4, 10, 0, 0, 9]));
    expect(p.options.get(Opt.REQUESTED_IP)).toEqual(Buffer.from([10, 0, 0, 9]));
  });

  it('concatenates the instances of a split option (RFC 3396)', () => {
    const p = decoded(withOptions([53, 1, 1, 43, 2, 1, 2, 12, 1, 0x78, 43, 3, 3, 4, 5, 255]));
    expect(p.options.get(Opt.VENDOR_SPECIFIC)).toEqual(Buffer.from([1, 2, 3, 4, 5]));
  });

  it('reads options from file and sname under overload, in options → file → sname order (RFC 3396 §7)', () => {
    const buf = withOptions([53, 1, 1, 52, 1, 3, 43, 1, 0xa, 255], (b) => {
      Buffer.from([43, 1, 0xc, 255]).copy(b, 44); // sname
      Buffer.from([43, 1, 0xb, 0, 66, 4, 0x61, 0x62, 0x63, 0x64, 255]).copy(b, 108); // file
    });
    const p = decoded(buf);
    expect(p.options.get(Opt.VENDOR_SPECIFIC)).toEqual(Buffer.from([0xa, 0xb, 0xc]));
    expect(p.options.get(Opt.TFTP_SERVER)?.toString()).toBe('abcd');
    expect(p.sname).toBe('');
    expect(p.file).toBe('');
  });

  it('keeps sname and file as strings when they are not overloaded', () => {
    const p = decoded(
      withOptions([53, 1, 1, 255], (b) => {
        b.write('server-name', 44, 'latin1');
        b.write('undionly.kpxe', 108, 'latin1');
      }),
    );
    expect(p).toMatchObject({ sname: 'server-name', file: 'undionly.kpxe' });
  });

  it.each<[string, Buffer, DecodeErrorCode]>([
    ['empty', Buffer.alloc(0), 'too-short'],
    ['header only, no cookie', Buffer.alloc(236), 'too-short'],
    ['plain BOOTP (no cookie)', Buffer.alloc(300), 'bad-magic-cookie'],
    ['jumbo', withOptions([53, 1, 1, ...new Array<number>(1300).fill(0)]), 'too-long'],
    ['hlen 17', withOptions([53, 1, 1, 255], (b) => (b[2] = 17)), 'bad-hlen'],
    ['option length past the end', withOptions([53, 1, 1, 60, 40, 1, 2, 3]), 'truncated-option'],
    ['option without a length octet', withOptions([53, 1, 1, 60]), 'truncated-option'],
    ['overload value 4', withOptions([53, 1, 1, 52, 1, 4, 255]), 'bad-overload'],
    ['overload of two octets', withOptions([53, 1, 1, 52, 2, 1, 1, 255]), 'bad-overload'],
    ['truncated option inside an overloaded file field', withOptions([53, 1, 1, 52, 1, 1, 255], (b) => Buffer.from([60, 200]).copy(b, 108 + 126)), 'truncated-option'],
  ])('refuses %s with a typed error', (_name, buf, code) => {
    const r = decodePacket(buf);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(code);
  });
});

describe('DHCP codec: encode', () => {
  const reply = (options: Map<number, Buffer>, more: Partial<DhcpPacket> = {}): DhcpPacket => ({
    op: BOOTREPLY,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: 7,
    secs: 0,
    flags: 0,
    ciaddr: '0.0.0.0',
    yiaddr: '10.99.0.100',
    siaddr: '10.99.0.1',
    giaddr: '0.0.0.0',
    chaddr: Buffer.from('525400990010', 'hex'),
    sname: '',
    file: 'undionly.kpxe',
    options,
    ...more,
  });

  it('writes the message type first, pads to 300 octets (RFC 1542) and ends with END', () => {
    const wire = encodePacket(reply(new Map([[Opt.SERVER_ID, Buffer.from([10, 99, 0, 1])], [Opt.MESSAGE_TYPE, Buffer.from([2])]])));
    expect(wire.length).toBe(300);
    expect(codesIn(wire)).toEqual([53, 54]);
    expect(wire[240 + 3 + 6]).toBe(255);
    expect(wire.subarray(108, 108 + 14).toString('latin1')).toBe('undionly.kpxe\0');
  });

  it('refuses what would need a code twice or does not fit', () => {
    expect(() => encodePacket(reply(new Map([[Opt.BOOTFILE, Buffer.alloc(256)]])))).toThrow(/repeat its code/);
    expect(() => encodePacket(reply(new Map(), { file: 'x'.repeat(128) }))).toThrow(/file/);
    expect(() => encodePacket(reply(new Map(), { sname: 'x'.repeat(64) }))).toThrow(/sname/);
    expect(() => encodePacket(reply(new Map([[Opt.PAD, Buffer.alloc(1)]])))).toThrow(/code 0/);
    expect(() => encodePacket(reply(new Map([[Opt.END, Buffer.alloc(1)]])))).toThrow(/code 255/);
    const big = new Map<number, Buffer>([1, 2, 3].map((c) => [c, Buffer.alloc(200)]));
    expect(() => encodePacket(reply(big))).toThrow(/more than 548/);
    expect(encodePacket(reply(big), { maxBytes: 1472 }).length).toBeGreaterThan(548);
  });

  it('never emits an option code twice, whatever the options (F4)', () => {
    const rnd = seededRandom(4);
    for (let n = 0; n < 500; n++) {
      const options = new Map<number, Buffer>();
      for (let k = 0; k < randomInt(rnd, 20); k++) options.set(1 + randomInt(rnd, 254), randomBytes(rnd, randomInt(rnd, 40)));
      const codes = codesIn(encodePacket(reply(options), { maxBytes: 1472 }));
      expect(new Set(codes).size).toBe(codes.length);
      expect(codes.length).toBe(options.size);
    }
  });
});

describe('DHCP codec: properties', () => {
  it('decode(encode(p)) = p for 1,000 random packets', () => {
    const rnd = seededRandom(2131);
    const ip = (): string => [0, 0, 0, 0].map(() => randomInt(rnd, 256)).join('.');
    const text = (max: number): string => Array.from({ length: randomInt(rnd, max) }, () => String.fromCharCode(1 + randomInt(rnd, 255))).join('');
    for (let n = 0; n < 1000; n++) {
      const options = new Map<number, Buffer>();
      for (let k = 0; k < randomInt(rnd, 12); k++) {
        const code = 1 + randomInt(rnd, 254);
        if (code !== Opt.OVERLOAD) options.set(code, randomBytes(rnd, randomInt(rnd, 60)));
      }
      const p: DhcpPacket = {
        op: 1 + randomInt(rnd, 2),
        htype: randomInt(rnd, 256),
        hlen: randomInt(rnd, 17),
        hops: randomInt(rnd, 256),
        xid: randomInt(rnd, 2 ** 32),
        secs: randomInt(rnd, 65536),
        flags: randomInt(rnd, 65536),
        ciaddr: ip(),
        yiaddr: ip(),
        siaddr: ip(),
        giaddr: ip(),
        chaddr: randomBytes(rnd, 16),
        sname: text(63),
        file: text(127),
        options,
      };
      const back = decoded(encodePacket(p, { maxBytes: 1472 }));
      expect({ ...back, options: [...back.options].sort((a, b) => a[0] - b[0]) }).toEqual({ ...p, options: [...options].sort((a, b) => a[0] - b[0]) });
    }
  });

  it('decode never throws: 20,000 random buffers and 40,000 mutations of valid packets give a packet or a typed error', () => {
    const rnd = seededRandom(3396);
    const codes = new Set<DecodeErrorCode>(['too-short', 'too-long', 'bad-magic-cookie', 'bad-hlen', 'truncated-option', 'bad-overload']);
    const seeds = [
      pxeDiscover('52:54:00:00:00:01', 0),
      pxeDiscover('52:54:00:00:00:02', 7),
      ipxeDiscover('52:54:00:00:00:03', 9),
      clientPacket({ type: 'REQUEST', mac: '02:00:00:00:00:04', requestedIp: '10.0.0.4', serverId: '10.0.0.1', relayAgentInfo: Buffer.from([1, 4, 0, 0, 0, 1]) }),
    ];
    const wrong: string[] = [];
    const check = (buf: Buffer): void => {
      const r = decodePacket(buf);
      if (!r.ok) {
        if (!codes.has(r.error.code)) wrong.push(`untyped error ${r.error.code} for ${buf.toString('hex')}`);
      } else if ([...r.packet.options.keys()].some((code) => code <= 0 || code >= 255)) wrong.push(`pad/end as an option in ${buf.toString('hex')}`);
    };
    for (let n = 0; n < 20_000; n++) {
      const b = randomBytes(rnd, randomInt(rnd, 700));
      if (b.length >= 240 && rnd() < 0.7) b.writeUInt32BE(MAGIC_COOKIE, 236);
      check(b);
    }
    for (let n = 0; n < 40_000; n++) {
      let b = seeds[n % seeds.length]!;
      for (let k = 0; k < 1 + randomInt(rnd, 3); k++) b = mutate(rnd, b);
      check(b);
    }
    expect(wrong).toEqual([]);
  });
});
