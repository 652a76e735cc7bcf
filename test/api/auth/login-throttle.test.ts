/** Login throttling on a test clock: lockouts per username and per address, doubling, forgetting, bursts. */
import { describe, expect, it } from 'vitest';
import { addressKey, LoginThrottle, LoginThrottledError, type ThrottleSettings } from '../../../src/api/auth/login-throttle.ts';

const settings: ThrottleSettings = { maxFailures: 3, maxFailuresPerAddress: 10, lockoutSeconds: 5, maxLockoutSeconds: 40, forgetAfterSeconds: 600 };

function throttle(s: Partial<ThrottleSettings> = {}) {
  let now = 1_000_000;
  return { t: new LoginThrottle({ ...settings, ...s }, () => now), advance: (ms: number) => (now += ms) };
}

/** One failed attempt as the login makes it: wait, begin, fail. */
function failOnce(t: LoginThrottle, user: string, address: string): number {
  const end = t.begin(user, address);
  end();
  return t.fail(user, address);
}

describe('the login throttle', () => {
  it('locks a username out after maxFailures, doubling the lockout with each further failure up to the cap', () => {
    const { t, advance } = throttle();
    expect([failOnce(t, 'u', '10.0.0.1'), failOnce(t, 'u', '10.0.0.2')]).toEqual([0, 0]);
    expect(t.wait('u', '10.0.0.3')).toBe(0);
    expect(failOnce(t, 'u', '10.0.0.3')).toBe(5);
    expect(t.wait('u', '10.0.0.4')).toBe(5);
    expect(t.wait('other', '10.0.0.4')).toBe(0);
    advance(4_001);
    expect(t.wait('u', '10.0.0.4')).toBe(1);
    advance(1_000);
    expect(t.wait('u', '10.0.0.4')).toBe(0);
    const lockouts = [];
    for (let i = 0; i < 5; i++) {
      lockouts.push(failOnce(t, 'u', '10.0.0.4'));
      advance(lockouts[i]! * 1000);
    }
    expect(lockouts).toEqual([10, 20, 40, 40, 40]);
  });

  it('clears a username\'s count on success, but not its address\'s', () => {
    const { t } = throttle({ maxFailuresPerAddress: 4 });
    failOnce(t, 'u', '10.0.0.1');
    failOnce(t, 'u', '10.0.0.1');
    t.succeed('u');
    failOnce(t, 'u', '10.0.0.1');
    failOnce(t, 'u', '10.0.0.1');
    expect(t.wait('u', '10.0.0.9')).toBe(0);
    // Four failures from 10.0.0.1 in all: the address is locked for any username.
    expect(t.wait('someone-else', '10.0.0.1')).toBe(5);
    t.succeed('u');
    expect(t.wait('someone-else', '10.0.0.1')).toBe(5);
  });

  it('counts an address across usernames, and IPv6 clients per /64', () => {
    const { t } = throttle({ maxFailures: 100, maxFailuresPerAddress: 3 });
    failOnce(t, 'a', '2001:db8:1:2::1');
    failOnce(t, 'b', '2001:db8:1:2:ffff::7');
    failOnce(t, 'c', '2001:0db8:0001:0002:0:0:0:9');
    expect(t.wait('d', '2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe(5);
    expect(t.wait('d', '2001:db8:1:3::1')).toBe(0);
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1')).toBe('fe80:0:0:0::/64');
    expect(addressKey('not an address')).toBe('not an address');
  });

  it('counts attempts still in flight, so a parallel burst cannot pass the limit', () => {
    const { t } = throttle();
    const ends = [t.begin('u', '10.0.0.1'), t.begin('u', '10.0.0.1'), t.begin('u', '10.0.0.1')];
    expect(t.wait('u', '10.0.0.1')).toBe(1);
    for (const end of ends) end();
    ends[0]!();
    expect(t.wait('u', '10.0.0.1')).toBe(0);
  });

  it('forgets a username forgetAfterSeconds after its last failure', () => {
    const { t, advance } = throttle();
    failOnce(t, 'u', '10.0.0.1');
    failOnce(t, 'u', '10.0.0.1');
    advance(600_000);
    expect(failOnce(t, 'u', '10.0.0.1')).toBe(0);
  });

  it('stays bounded when flooded with usernames', () => {
    const { t } = throttle();
    for (let i = 0; i < 120_000; i++) t.fail(`user-${i}`, '10.1.0.1');
    const inner = (t as unknown as { entries: Map<string, unknown> }).entries;
    expect(inner.size).toBeLessThanOrEqual(100_000);
    // The flooding address itself stays locked whatever was evicted.
    expect(t.wait('fresh', '10.1.0.1')).toBeGreaterThan(0);
  });

  it('answers 429 with the wait in its details', () => {
    const e = new LoginThrottledError(7);
    expect([e.httpStatus, e.code, e.retryAfterSeconds, e.message]).toEqual([429, 'TOO_MANY_REQUESTS', 7, 'too many failed logins: try again in 7 s']);
  });
});
