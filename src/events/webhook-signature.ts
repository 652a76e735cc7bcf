/**
 * How a webhook receiver knows a POST came from this Monorail and is not a replay. Each hook has its own
 * secret (returned once, when the hook is created). Every delivery attempt carries
 *
 *   X-Monorail-Timestamp: <unix seconds when the attempt was sent>
 *   X-Monorail-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *
 * The timestamp is inside the signed text, so it cannot be changed without the secret; a receiver
 * recomputes the HMAC over the raw body bytes it received, compares in constant time, and refuses
 * timestamps outside a few minutes of its clock (the scheme Stripe and Slack use). Retries are signed
 * afresh; `X-Monorail-Delivery` stays the same across the attempts of one delivery, so a receiver can
 * drop duplicates.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const signatureHeader = 'X-Monorail-Signature';
export const timestampHeader = 'X-Monorail-Timestamp';
export const deliveryHeader = 'X-Monorail-Delivery';
export const eventHeader = 'X-Monorail-Event';

/** A new hook secret: 32 random bytes, base64url. */
export function newHookSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The signature header's value for `body` sent at `timestampSeconds`. */
export function signPayload(secret: string, timestampSeconds: number, body: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestampSeconds}.`);
  mac.update(body);
  return `sha256=${mac.digest('hex')}`;
}

export interface VerifyInput {
  readonly secret: string;
  readonly signature: string | undefined;
  readonly timestamp: string | undefined;
  readonly body: string | Buffer;
  /** The receiver's clock, in milliseconds. */
  readonly nowMs: number;
  /** How far the timestamp may be from the receiver's clock. */
  readonly toleranceSeconds?: number;
}

/** What a receiver does with the headers: true only for an authentic, fresh delivery. */
export function verifySignature(input: VerifyInput): boolean {
  const { signature, timestamp } = input;
  if (signature === undefined || timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  const seconds = Number(timestamp);
  if (Math.abs(input.nowMs / 1000 - seconds) > (input.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signPayload(input.secret, seconds, input.body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
