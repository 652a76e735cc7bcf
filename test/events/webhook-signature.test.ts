import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newHookSecret, signPayload, verifySignature } from '../../src/events/webhook-signature.ts';

describe('webhook signatures', () => {
  const secret = newHookSecret();
  const body = '{"type":"node","action":"added"}';
  const now = 1_700_000_000_000;
  const ts = now / 1000;

  it('is HMAC-SHA256 over "<timestamp>.<body>", as a receiver computes it independently', () => {
    const expected = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    expect(signPayload(secret, ts, body)).toBe(`sha256=${expected}`);
    expect(verifySignature({ secret, signature: `sha256=${expected}`, timestamp: String(ts), body, nowMs: now })).toBe(true);
  });

  it('refuses another body, another secret, a moved timestamp, a stale one, and garbage', () => {
    const sig = signPayload(secret, ts, body);
    const ok = { secret, signature: sig, timestamp: String(ts), body, nowMs: now };
    expect(verifySignature({ ...ok, body: `${body} ` })).toBe(false);
    expect(verifySignature({ ...ok, secret: newHookSecret() })).toBe(false);
    expect(verifySignature({ ...ok, timestamp: String(ts + 1) })).toBe(false);
    expect(verifySignature({ ...ok, nowMs: now + 301_000 })).toBe(false);
    expect(verifySignature({ ...ok, signature: undefined })).toBe(false);
    expect(verifySignature({ ...ok, signature: 'sha256=zz' })).toBe(false);
    expect(verifySignature({ ...ok, timestamp: '1e9' })).toBe(false);
    expect(verifySignature({ ...ok, timestamp: undefined })).toBe(false);
  });

  it('makes secrets of 32 random bytes', () => {
    const a = newHookSecret();
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(a).not.toBe(newHookSecret());
  });
});
