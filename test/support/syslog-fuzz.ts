/**
 * Seeded random inputs for the syslog fuzz tests: a PRNG (mulberry32, so a failure replays from its seed),
 * a corpus of valid messages as real senders write them, and the mutations applied to them.
 */

import { seededRandom, type Random } from './seeded-random.ts';

export type { Random };
export const seeded = seededRandom;

export function int(rnd: Random, min: number, max: number): number {
  return min + Math.floor(rnd() * (max - min + 1));
}

export function pick<T>(rnd: Random, items: readonly T[]): T {
  const item = items[Math.floor(rnd() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

export function randomBytes(rnd: Random, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

/** Valid messages: what logger, busybox syslogd and the RFCs' examples send. */
export const VALID_MESSAGES: readonly string[] = [
  '<134>1 2026-11-25T15:51:03.547374+00:00 vm rackhd-test - - [timeQuality tzKnown="1" isSynced="0"] hello',
  '<12>Nov 25 15:51:03 vm rackhd-test: hello',
  '<134>Nov 25 16:00:53 microkernel: booted\n',
  '<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF\'su root\' failed for lonvick on /dev/pts/8',
  '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
  '<13>1 2026-11-25T18:53:22.816888+00:00 vm e2e 4242 ID1 [origin@32473 node="a\\"b\\]c\\\\d"] octets',
  '<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It\'s time to make the do-nuts.',
  'Use the BFG!',
];

const INTERESTING = ['<', '>', '[', ']', '"', '\\', '=', ' ', '-', '\n', '\r', '\0', '\uFEFF', '1 ', '<13>', '<191>', '<192>', '999999999 ', 'Nov 25 ', 'T', 'Z', ':'];

/** One random structural mutation of `input` (as bytes, so invalid UTF-8 comes up too). */
export function mutate(rnd: Random, input: Buffer): Buffer {
  const b = Buffer.from(input);
  switch (int(rnd, 0, 7)) {
    case 0: {
      const at = int(rnd, 0, Math.max(0, b.length - 1));
      if (b.length > 0) b[at] = (b[at] ?? 0) ^ (1 << int(rnd, 0, 7));
      return b;
    }
    case 1:
      return b.subarray(0, int(rnd, 0, b.length));
    case 2:
      return b.subarray(int(rnd, 0, b.length));
    case 3: {
      const at = int(rnd, 0, b.length);
      return Buffer.concat([b.subarray(0, at), Buffer.from(pick(rnd, INTERESTING)), b.subarray(at)]);
    }
    case 4: {
      const at = int(rnd, 0, b.length);
      return Buffer.concat([b.subarray(0, at), randomBytes(rnd, int(rnd, 1, 16)), b.subarray(at)]);
    }
    case 5: {
      const from = int(rnd, 0, b.length);
      const to = int(rnd, from, b.length);
      return Buffer.concat([b.subarray(0, from), b.subarray(to)]);
    }
    case 6:
      return Buffer.concat([b, b.subarray(int(rnd, 0, b.length))]);
    default: {
      const at = int(rnd, 0, b.length);
      return Buffer.concat([b.subarray(0, at), Buffer.alloc(int(rnd, 1, 4000), pick(rnd, INTERESTING)), b.subarray(at)]);
    }
  }
}

/** A random mutant: one to four mutations of a corpus message. */
export function mutant(rnd: Random): Buffer {
  let b: Buffer = Buffer.from(pick(rnd, VALID_MESSAGES));
  const rounds = int(rnd, 1, 4);
  for (let i = 0; i < rounds; i++) b = mutate(rnd, b);
  return b;
}
