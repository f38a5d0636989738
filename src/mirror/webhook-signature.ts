import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signature of the outbound webhook: `X-Bridge-Signature: v1=<hex HMAC-SHA256>` over
 * `v1:<X-Bridge-Timestamp>:<raw body>`, keyed with the link's secret. The timestamp (Unix seconds)
 * is signed with the body so that a captured request cannot be replayed later; receivers should
 * refuse timestamps more than five minutes away from their clock.
 */
export const SIGNATURE_HEADER = 'x-bridge-signature';
export const TIMESTAMP_HEADER = 'x-bridge-timestamp';
/** Same value on every attempt of one delivery: receivers may drop a repeat. */
export const DELIVERY_ID_HEADER = 'x-bridge-delivery';

export function signWebhook(secret: string, timestampSec: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`v1:${timestampSec}:${body}`).digest('hex')}`;
}

export function verifyWebhook(input: {
  secret: string;
  signature: string | undefined;
  timestamp: string | undefined;
  body: string;
  nowMs?: number;
  toleranceSec?: number;
}): boolean {
  const { signature, timestamp } = input;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  const ts = Number(timestamp);
  const nowSec = Math.floor((input.nowMs ?? Date.now()) / 1000);
  if (Math.abs(nowSec - ts) > (input.toleranceSec ?? 300)) return false;
  const expected = Buffer.from(signWebhook(input.secret, ts, input.body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
