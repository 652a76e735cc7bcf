import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../../src/events/bounded-queue.ts';

describe('BoundedQueue', () => {
  it('is FIFO and drops the oldest when full, handing it back', () => {
    const q = new BoundedQueue<number>(3);
    expect([q.push(1), q.push(2), q.push(3)]).toEqual([undefined, undefined, undefined]);
    expect(q.push(4)).toBe(1);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([2, 3, 4, undefined]);
    expect(q.length).toBe(0);
  });

  it('puts items back at the front in order, dropping the oldest of them past capacity', () => {
    const q = new BoundedQueue<number>(4);
    q.push(10);
    q.push(11);
    expect(q.unshiftAll([1, 2, 3])).toBe(1);
    expect(q.clear()).toEqual([2, 3, 10, 11]);
  });

  it('stays correct across compaction', () => {
    const q = new BoundedQueue<number>(100_000);
    for (let i = 0; i < 5000; i++) q.push(i);
    for (let i = 0; i < 4000; i++) expect(q.shift()).toBe(i);
    for (let i = 5000; i < 6000; i++) q.push(i);
    expect(q.length).toBe(2000);
    expect(q.peek()).toBe(4000);
    expect(q.clear().at(-1)).toBe(5999);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
    expect(() => new BoundedQueue(1.5)).toThrow(RangeError);
  });
});
