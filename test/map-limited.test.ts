/** mapLimited: results in input order, never more than `limit` calls in flight, a rejection rejects the whole. */
import { describe, expect, it } from 'vitest';
import { mapLimited } from '../src/map-limited.ts';

describe('mapLimited', () => {
  it('keeps input order and the in-flight limit', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimited([5, 1, 4, 2, 3, 0], 2, async (n, i) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return `${i}:${n}`;
    });
    expect(out).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0']);
    expect(most).toBe(2);
    expect(await mapLimited([], 4, async () => 1)).toEqual([]);
  });

  it('rejects when a call rejects', async () => {
    await expect(mapLimited([1, 2, 3], 3, async (n) => (n === 2 ? Promise.reject(new Error('two')) : n))).rejects.toThrow('two');
  });
});
