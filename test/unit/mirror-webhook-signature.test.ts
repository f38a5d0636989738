import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '../../src/mirror/webhook-signature.js';

const SECRET = 'a-secret-of-sixteen+';
const NOW = 1_741_082_400_000;
const TS = String(NOW / 1000);
const BODY = '{"type":"case.message"}';

describe('webhook signature', () => {
  it('signs timestamp and body with HMAC-SHA256', () => {
    // echo -n 'v1:1741082400:{"type":"case.message"}' | openssl dgst -sha256 -hmac 'a-secret-of-sixteen+'
    expect(signWebhook(SECRET, NOW / 1000, BODY)).toBe('v1=0c034a455e9d043dffd025b57417d6be35773a6457051d7d80601eb30c002b66');
    expect(signWebhook(SECRET, NOW / 1000, BODY)).not.toBe(signWebhook(SECRET, NOW / 1000 + 1, BODY));
  });

  it('verifies a fresh, untouched request and nothing else', () => {
    const signature = signWebhook(SECRET, NOW / 1000, BODY);
    expect(verifyWebhook({ secret: SECRET, signature, timestamp: TS, body: BODY, nowMs: NOW })).toBe(true);
    expect(verifyWebhook({ secret: SECRET, signature, timestamp: TS, body: `${BODY} `, nowMs: NOW })).toBe(false);
    expect(verifyWebhook({ secret: SECRET, signature, timestamp: String(NOW / 1000 + 1), body: BODY, nowMs: NOW })).toBe(false);
    expect(verifyWebhook({ secret: SECRET, signature, timestamp: TS, body: BODY, nowMs: NOW + 301_000 })).toBe(false);
    expect(verifyWebhook({ secret: SECRET, signature: undefined, timestamp: TS, body: BODY, nowMs: NOW })).toBe(false);
    expect(verifyWebhook({ secret: SECRET, signature: 'v1=00', timestamp: TS, body: BODY, nowMs: NOW })).toBe(false);
  });
});
