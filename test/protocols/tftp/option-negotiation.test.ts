import { describe, expect, it } from 'vitest';
import { negotiate, oackOptions } from '../../../src/protocols/tftp/option-negotiation.ts';

const limits = { maxBlksize: 1468, maxWindowsize: 16, maxRequestedTimeoutMs: 10_000 };

describe('TFTP option negotiation', () => {
  it('grants nothing without options: plain 512-byte lock step (tftp-hpa)', () => {
    const n = negotiate([], limits);
    expect(n).toMatchObject({ blksize: 512, windowsize: 1, timeoutMs: undefined, tsize: false, granted: [] });
  });

  it("answers EDK2's request with tsize, blksize and windowsize in the client's order (F5)", () => {
    const n = negotiate(
      [
        ['tsize', '0'],
        ['blksize', '1468'],
        ['windowsize', '4'],
      ],
      limits,
    );
    expect(oackOptions(n, 1024)).toEqual([
      ['tsize', '1024'],
      ['blksize', '1468'],
      ['windowsize', '4'],
    ]);
  });

  it('caps blksize at maxBlksize and windowsize at maxWindowsize (RFC 2348, RFC 7440 §3)', () => {
    const n = negotiate(
      [
        ['blksize', '65464'],
        ['windowsize', '64'],
      ],
      limits,
    );
    expect(n).toMatchObject({ blksize: 1468, windowsize: 16 });
    expect(oackOptions(n, 0)).toEqual([
      ['blksize', '1468'],
      ['windowsize', '16'],
    ]);
  });

  it('honours and echoes the timeout (RFC 2349 §2: curl sends timeout 6)', () => {
    const n = negotiate([['timeout', '6']], limits);
    expect(n.timeoutMs).toBe(6000);
    expect(oackOptions(n, 0)).toEqual([['timeout', '6']]);
  });

  it("leaves a timeout longer than the server's limit out of the OACK (the server keeps its own)", () => {
    const n = negotiate([['timeout', '11'], ['blksize', '512']], limits);
    expect(n).toMatchObject({ timeoutMs: undefined, granted: ['blksize'], ignored: ['timeout'] });
  });

  it('leaves unknown, duplicated and out-of-range options out of the OACK', () => {
    const n = negotiate(
      [
        ['multicast', ''],
        ['blksize', '4'],
        ['blksize', 'abc'],
        ['timeout', '0'],
        ['timeout', '256'],
        ['windowsize', '0'],
        ['windowsize', '65536'],
        ['tsize', '-1'],
        ['tsize', '0x10'],
        ['rollover', '0'],
        ['blksize', '1024'],
        ['blksize', '512'],
      ],
      limits,
    );
    expect(n.granted).toEqual(['blksize']);
    expect(n.blksize).toBe(1024);
    expect(n.ignored).toEqual(['multicast', 'blksize', 'blksize', 'timeout', 'timeout', 'windowsize', 'windowsize', 'tsize', 'tsize', 'rollover', 'blksize']);
  });

  it('accepts the RFC boundaries', () => {
    expect(negotiate([['blksize', '8']], limits).blksize).toBe(8);
    expect(negotiate([['timeout', '255']], { ...limits, maxRequestedTimeoutMs: 255_000 }).timeoutMs).toBe(255_000);
    expect(negotiate([['windowsize', '1']], limits).windowsize).toBe(1);
    expect(negotiate([['blksize', '70000']], { ...limits, maxBlksize: 65464 }).blksize).toBe(65464);
  });
});
