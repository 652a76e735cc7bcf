/**
 * TFTP: a 10 MB transfer and 100 concurrent small transfers, against Monorail (a whole member started
 * with `src/cli.ts start`, TFTP only) and against Debian's tftpd-hpa (`in.tftpd -L -s <root> -a
 * 127.0.0.1:<port>`), both on 127.0.0.1 in the same run, with the same clients: the project's test
 * client (test/support/tftp-client.ts, which speaks windowsize), curl and tftp-hpa's `tftp`.
 *
 *   npx tsx bench/tftp.bench.ts
 *   BENCH_ROUNDS=3 npx tsx bench/tftp.bench.ts      (quicker)
 *
 * Needs `in.tftpd` (package tftpd-hpa), `curl` and `tftp` (package tftp-hpa); runs as root or as a
 * user that can bind a port above 1024. tftpd-hpa 5.2 knows blksize, tsize and timeout but not
 * windowsize: a client asking windowsize 16 gets lock step there, which is what the row shows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startMember, type MemberProcess } from '../test/support/member-process.ts';
import { tftpGet } from '../test/support/tftp-client.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const LARGE = 10 * 1024 * 1024;
const SMALL = 80 * 1024; // about undionly.kpxe
const CONCURRENT = 100;

const root = mkdtempSync(path.join(tmpdir(), 'monorail-bench-tftp-'));
const outDir = mkdtempSync(path.join(tmpdir(), 'monorail-bench-tftp-out-'));
chmodSync(root, 0o755);
const large = randomBytes(LARGE);
const small = randomBytes(SMALL);
writeFileSync(path.join(root, 'large.bin'), large, { mode: 0o644 });
for (let i = 0; i < CONCURRENT; i++) writeFileSync(path.join(root, `small-${i}.bin`), small, { mode: 0o644 });
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const largeSha = sha(large);
const smallSha = sha(small);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? NaN;
};
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function run(command: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => spawn(command, args, { stdio: 'ignore' }).on('close', resolve));
}

interface Target {
  readonly name: string;
  readonly port: number;
  stop(): Promise<void>;
}

async function startMonorailTarget(): Promise<Target> {
  const port = await freePort();
  const member: MemberProcess = await startMember({
    MONORAIL_MEMBER_ID: 'bench-tftp',
    MONORAIL_LOG_LEVEL: 'info',
    MONORAIL_HTTP_ENABLED: 'false',
    MONORAIL_TFTP_ENABLED: 'true',
    MONORAIL_TFTP_HOST: '127.0.0.1',
    MONORAIL_TFTP_PORT: String(port),
    MONORAIL_TFTP_ROOT: root,
    MONORAIL_TFTP_MAX_WINDOWSIZE: '16',
    MONORAIL_BOOT_SERVER_ADDRESS: '127.0.0.1',
  });
  return { name: 'Monorail', port, stop: () => member.stop() };
}

async function startTftpdHpa(): Promise<Target> {
  const port = await freePort();
  const child: ChildProcess = spawn('in.tftpd', ['-L', '-s', root, '-a', `127.0.0.1:${port}`], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; ; i++) {
    try {
      await tftpGet({ host: '127.0.0.1', port, file: 'small-0.bin', timeoutMs: 100, retries: 2 });
      break;
    } catch (e) {
      if (i > 30) throw new Error(`in.tftpd did not answer on port ${port}: ${String(e)}`);
    }
  }
  return {
    name: 'tftpd-hpa',
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

type Measure = (t: Target) => Promise<number>;

/** One 10 MB transfer; returns ms. */
const largeWith: Record<string, Measure> = {
  'test client, no options (512 B lock step)': async (t) => {
    const t0 = performance.now();
    const r = await tftpGet({ host: '127.0.0.1', port: t.port, file: 'large.bin' });
    if (sha(r.data) !== largeSha) throw new Error('corrupt');
    return performance.now() - t0;
  },
  'test client, blksize 1468': async (t) => {
    const t0 = performance.now();
    const r = await tftpGet({ host: '127.0.0.1', port: t.port, file: 'large.bin', options: { blksize: 1468, tsize: 0 } });
    if (sha(r.data) !== largeSha) throw new Error('corrupt');
    return performance.now() - t0;
  },
  'test client, blksize 1468 windowsize 16': async (t) => {
    const t0 = performance.now();
    const r = await tftpGet({ host: '127.0.0.1', port: t.port, file: 'large.bin', options: { blksize: 1468, windowsize: 16, tsize: 0 } });
    if (sha(r.data) !== largeSha) throw new Error('corrupt');
    return performance.now() - t0;
  },
  'tftp-hpa client (512 B lock step)': async (t) => {
    const out = path.join(outDir, `hpa-${t.name}`);
    const t0 = performance.now();
    const code = await run('tftp', ['-m', 'binary', '127.0.0.1', String(t.port), '-c', 'get', 'large.bin', out]);
    const ms = performance.now() - t0;
    if (code !== 0 || sha(readFileSync(out)) !== largeSha) throw new Error('tftp-hpa failed');
    return ms;
  },
  'curl, blksize 1468': async (t) => {
    const out = path.join(outDir, `curl-${t.name}`);
    const t0 = performance.now();
    const code = await run('curl', ['-sf', '--tftp-blksize', '1468', '-o', out, `tftp://127.0.0.1:${t.port}/large.bin`]);
    const ms = performance.now() - t0;
    if (code !== 0 || sha(readFileSync(out)) !== largeSha) throw new Error('curl failed');
    return ms;
  },
};

/** 100 transfers of 80 KB started at once; returns the wall time and each transfer's time. */
async function concurrent(t: Target, options: Record<string, number>): Promise<{ wall: number; each: number[] }> {
  const t0 = performance.now();
  const each = await Promise.all(
    Array.from({ length: CONCURRENT }, async (_, i) => {
      const s = performance.now();
      const r = await tftpGet({ host: '127.0.0.1', port: t.port, file: `small-${i}.bin`, options, timeoutMs: 1000, retries: 10 });
      if (sha(r.data) !== smallSha) throw new Error('corrupt');
      return performance.now() - s;
    }),
  );
  return { wall: performance.now() - t0, each };
}

async function main(): Promise<void> {
  console.log(`TFTP benchmark: ${ROUNDS} rounds, median shown; 10 MB file; ${CONCURRENT} concurrent transfers of ${SMALL / 1024} KB; 127.0.0.1\n`);
  const targets: Target[] = [];
  try {
    targets.push(await startMonorailTarget());
    targets.push(await startTftpdHpa());
    console.log('10 MB transfer                              ' + targets.map((t) => t.name.padStart(22)).join(''));
    for (const [label, measure] of Object.entries(largeWith)) {
      const cells: string[] = [];
      for (const t of targets) {
        const times: number[] = [];
        for (let i = 0; i < ROUNDS; i++) times.push(await measure(t));
        const ms = median(times);
        cells.push(`${fmt(ms)} ms ${fmt(LARGE / 1024 / 1024 / (ms / 1000), 1)} MB/s`.padStart(22));
      }
      console.log(label.padEnd(44) + cells.join(''));
    }
    console.log(`\n${CONCURRENT} concurrent × ${SMALL / 1024} KB (wall / p50 / p99 per transfer)`);
    for (const [label, options] of [
      ['no options', {}],
      ['blksize 1468, tsize', { blksize: 1468, tsize: 0 }],
      ['blksize 1468, windowsize 16, tsize', { blksize: 1468, windowsize: 16, tsize: 0 }],
    ] as const) {
      const cells: string[] = [];
      for (const t of targets) {
        const walls: number[] = [];
        const each: number[] = [];
        for (let i = 0; i < ROUNDS; i++) {
          const r = await concurrent(t, options);
          walls.push(r.wall);
          each.push(...r.each);
        }
        cells.push(`${fmt(median(walls))} / ${fmt(pct(each, 50))} / ${fmt(pct(each, 99))} ms`.padStart(26));
      }
      console.log(label.padEnd(40) + cells.join(''));
    }
  } finally {
    for (const t of targets) await t.stop();
    rmSync(root, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
}

await main();
