/** KeyedTimers on a ManualClock: one timer per key, replaced timers never fire, stopWhere and close cancel. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/actors/runtime/clock.ts';
import { KeyedTimers } from '../../../src/actors/runtime/keyed-timers.ts';

describe('KeyedTimers', () => {
  it('keeps one timer per key and fires only the latest', () => {
    const clock = new ManualClock(1000);
    const timers = new KeyedTimers(clock);
    const fired: string[] = [];
    timers.schedule('a', 100, () => fired.push('a-first'));
    timers.schedule('a', 50, () => fired.push('a-second'));
    timers.schedule('b', 200, () => fired.push('b'));
    expect(timers.dueAt('a')).toBe(1050);
    expect(timers.size).toBe(2);
    clock.advance(150);
    expect(fired).toEqual(['a-second']);
    expect(timers.isScheduled('a')).toBe(false);
    timers.stopWhere((k) => k === 'b');
    clock.advance(100);
    expect(fired).toEqual(['a-second']);
    timers.schedule('c', 10, () => fired.push('c'));
    timers.close();
    timers.schedule('d', 10, () => fired.push('d'));
    clock.advance(100);
    expect(fired).toEqual(['a-second']);
    expect(timers.size).toBe(0);
  });
});
