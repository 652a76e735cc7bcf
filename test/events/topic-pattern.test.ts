import { describe, expect, it } from 'vitest';
import { anyTopicMatcher, topicMatcher, topicPatternProblem } from '../../src/events/topic-pattern.ts';

describe('AMQP topic patterns', () => {
  const cases: [string, string, boolean][] = [
    ['node.added.information.abc.abc', 'node.added.information.abc.abc', true],
    ['node.*.information.#', 'node.added.information.abc.abc', true],
    ['node.*.information.#', 'node.added.information', true],
    ['node.*', 'node.added.information', false],
    ['node.#', 'node', true],
    ['#', 'anything.at.all', true],
    ['#.abc', 'node.added.information.abc', true],
    ['#.abc', 'node.added.information.abc.def', false],
    ['*.*.critical.#', 'polleralert.sel.critical.p1.n1', true],
    ['*.*.critical.#', 'polleralert.sel.warning.p1.n1', false],
    ['heartbeat.updated.information.#.monorail', 'heartbeat.updated.information.host.example.com.monorail', true],
    ['graph.#.finished', 'graph.finished', true],
    ['graph.#.finished', 'graph.started', false],
    ['#.#', 'a.b', true],
    ['a.#.b.#.c', 'a.x.b.y.z.c', true],
    ['a.#.b.#.c', 'a.x.c.y.z.b', false],
  ];
  it.each(cases)('%s against %s is %s', (pattern, key, expected) => {
    expect(topicMatcher(pattern)(key)).toBe(expected);
  });

  it('matches any of several patterns', () => {
    const m = anyTopicMatcher(['graph.finished.#', 'node.added.#']);
    expect(m('node.added.information.x.x')).toBe(true);
    expect(m('graph.started.information.g')).toBe(false);
  });

  it('stays fast on many # against a long key (no backtracking)', () => {
    const pattern = Array.from({ length: 60 }, () => '#').join('.') + '.z';
    const key = Array.from({ length: 200 }, () => 'a').join('.');
    expect(topicMatcher(pattern)(key)).toBe(false);
    expect(topicMatcher(pattern)(`${key}.z`)).toBe(true);
  });

  it('names what is wrong with a bad pattern', () => {
    expect(topicPatternProblem('node.#')).toBeUndefined();
    expect(topicPatternProblem('')).toBe('is empty');
    expect(topicPatternProblem('node..added')).toContain('word ""');
    expect(topicPatternProblem('node.add*')).toContain('"add*"');
    expect(topicPatternProblem('no de')).toContain('"no de"');
    expect(topicPatternProblem('a'.repeat(300))).toContain('longer than 255');
  });
});
