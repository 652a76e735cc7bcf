/**
 * Seeded fuzzing for the catalog parsers: mutations of real tool outputs (cut short, characters flipped,
 * lines dropped, duplicated or shuffled, markup characters inserted) plus random text. A parser may accept
 * a mutant or refuse it, but only with a ValidationError; anything else (TypeError, RangeError, a hang) is
 * a bug. A failure names its seed and iteration, so it replays exactly.
 */
import { ValidationError } from '../../../src/errors.ts';
import { seededRandom, type Random } from '../../support/seeded-random.ts';

const INTERESTING = [
  '\t', '\t\t', ':', ': ', '\n', '\n\n', '\r\n', '{', '}', '[', ']', '"', ',', 'null', '[]', '{}', '-1', '1e999',
  'Handle 0x0001, DMI type 1, 27 bytes\n', 'End Of Table', '@@monorail ', '@@monorail ethtool eth0\n',
  '@@monorail smartctl /dev/sda sat\n', 'Settings for eth0:\n', '__proto__', 'constructor', '\u0000', '\uFFFD', '𝕏',
];

function int(rnd: Random, min: number, max: number): number {
  return min + Math.floor(rnd() * (max - min + 1));
}

function pick<T>(rnd: Random, items: readonly T[]): T {
  const item = items[Math.floor(rnd() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

function randomText(rnd: Random, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(int(rnd, 0, 1) === 0 ? int(rnd, 9, 126) : int(rnd, 0, 0x2fff));
  return s;
}

/** One random mutation of `input`. */
export function mutate(rnd: Random, input: string): string {
  const at = int(rnd, 0, input.length);
  switch (int(rnd, 0, 8)) {
    case 0:
      return input.slice(0, at);
    case 1:
      return input.slice(at);
    case 2: {
      const i = int(rnd, 0, Math.max(0, input.length - 1));
      return input.slice(0, i) + String.fromCharCode((input.charCodeAt(i) || 32) ^ (1 << int(rnd, 0, 6))) + input.slice(i + 1);
    }
    case 3:
      return input.slice(0, at) + pick(rnd, INTERESTING) + input.slice(at);
    case 4:
      return input.slice(0, at) + randomText(rnd, int(rnd, 1, 32)) + input.slice(at);
    case 5: {
      const lines = input.split('\n');
      lines.splice(int(rnd, 0, lines.length), int(rnd, 1, 5));
      return lines.join('\n');
    }
    case 6: {
      const lines = input.split('\n');
      const i = int(rnd, 0, Math.max(0, lines.length - 1));
      lines.splice(i, 0, ...lines.slice(i, i + int(rnd, 1, 20)));
      return lines.join('\n');
    }
    case 7: {
      const lines = input.split('\n');
      for (let n = int(rnd, 1, 10); n > 0; n--) {
        const a = int(rnd, 0, lines.length - 1);
        const b = int(rnd, 0, lines.length - 1);
        [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      }
      return lines.join('\n');
    }
    default:
      return input.replace(/\t/g, () => (rnd() < 0.1 ? pick(rnd, ['', '  ', '\t\t', ' ']) : '\t'));
  }
}

export interface FuzzOutcome {
  readonly accepted: number;
  readonly refused: number;
}

/**
 * Runs `parse` on `iterations` inputs built from `corpus` (1–4 stacked mutations each, every 10th one
 * random text). Throws, naming seed and iteration, if the parser throws anything but a ValidationError.
 */
export function fuzzParser(parse: (stdout: string) => unknown, corpus: readonly string[], seed: number, iterations: number): FuzzOutcome {
  const rnd = seededRandom(seed);
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < iterations; i++) {
    let input: string;
    if (i % 10 === 9) {
      input = randomText(rnd, int(rnd, 0, 2000));
    } else {
      input = pick(rnd, corpus);
      for (let m = int(rnd, 1, 4); m > 0; m--) input = mutate(rnd, input);
    }
    try {
      parse(input);
      accepted += 1;
    } catch (e) {
      if (!(e instanceof ValidationError)) {
        throw new Error(`seed ${seed}, iteration ${i}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
      }
      refused += 1;
    }
  }
  return { accepted, refused };
}
