import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeEqual } from '../../src/http/safe-equal.js';
import { checkFreshness, parseTimestamp, verifyHeaderAuth, verifyJira, verifyZendesk } from '../../src/http/signatures.js';

const SECRET = 'it-is-a-secret-0001';
const body = Buffer.from('{"webhookEvent":"jira:issue_created"}');
const hex = (parts: (string | Buffer)[], secret = SECRET) => parts.reduce((h, p) => h.update(p), createHmac('sha256', secret)).digest('hex');
const b64 = (parts: (string | Buffer)[], secret = SECRET) => parts.reduce((h, p) => h.update(p), createHmac('sha256', secret)).digest('base64');

describe('Jira X-Hub-Signature', () => {
  it('accepts sha256=<hex HMAC of the raw body>', () => {
    expect(verifyJira(body, { 'x-hub-signature': `sha256=${hex([body])}` }, SECRET)).toEqual({ ok: true });
  });
  it('refuses a missing header, another secret, and a changed body', () => {
    expect(verifyJira(body, {}, SECRET)).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifyJira(body, { 'x-hub-signature': `sha256=${hex([body], 'other-secret-000')}` }, SECRET)).toEqual({ ok: false, reason: 'bad_signature' });
    const changed = Buffer.from(body.toString().replace('created', 'deleted'));
    expect(verifyJira(changed, { 'x-hub-signature': `sha256=${hex([body])}` }, SECRET)).toEqual({ ok: false, reason: 'bad_signature' });
  });
  it('refuses any other body signed with the same header (property)', () => {
    const signature = `sha256=${hex([body])}`;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const other = Buffer.from(bytes);
        fc.pre(!other.equals(body));
        return verifyJira(other, { 'x-hub-signature': signature }, SECRET).ok === false;
      }),
    );
  });
});

describe('Zendesk signature with timestamp', () => {
  const now = Date.parse('2024-05-01T08:00:30Z');
  const ts = '2024-05-01T08:00:00Z';
  const headers = (timestamp: string, signature = b64([timestamp, body])) => ({
    'x-zendesk-webhook-signature': signature,
    'x-zendesk-webhook-signature-timestamp': timestamp,
  });
  it('accepts base64(HMAC(secret, timestamp + body)) within the window', () => {
    expect(verifyZendesk(body, headers(ts), SECRET, now, 300_000)).toEqual({ ok: true });
  });
  it('refuses a stale or far-future timestamp even when the signature is right', () => {
    expect(verifyZendesk(body, headers(ts), SECRET, now + 10 * 60_000, 300_000)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyZendesk(body, headers(ts), SECRET, now - 10 * 60_000, 300_000)).toEqual({ ok: false, reason: 'stale' });
  });
  it('refuses a signature made for another timestamp, or none', () => {
    expect(verifyZendesk(body, headers('2024-05-01T08:00:01Z', b64([ts, body])), SECRET, now, 300_000)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyZendesk(body, { 'x-zendesk-webhook-signature': b64([ts, body]) }, SECRET, now, 300_000)).toEqual({ ok: false, reason: 'missing_timestamp' });
    expect(verifyZendesk(body, {}, SECRET, now, 300_000)).toEqual({ ok: false, reason: 'missing_signature' });
  });
});

describe('header HMAC and bearer (ServiceNow, generic)', () => {
  const now = 1_714_550_400_000;
  it('checks a hex digest with a prefix in a configured header', () => {
    const auth = { type: 'hmac' as const, secret: SECRET, header: 'x-sn-signature', encoding: 'hex' as const, prefix: 'sha256=' };
    expect(verifyHeaderAuth(body, { 'x-sn-signature': `sha256=${hex([body])}` }, auth, now, 300_000).ok).toBe(true);
    expect(verifyHeaderAuth(body, { 'x-sn-signature': hex([body]) }, auth, now, 300_000)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyHeaderAuth(body, { 'x-signature': `sha256=${hex([body])}` }, auth, now, 300_000)).toEqual({ ok: false, reason: 'missing_signature' });
  });
  it('checks a base64 digest of "<timestamp>.<body>" and the timestamp age', () => {
    const auth = { type: 'hmac' as const, secret: SECRET, header: 'x-signature', encoding: 'base64' as const, prefix: '', timestampHeader: 'x-timestamp' };
    const ts = String(now / 1000);
    const sig = b64([`${ts}.`, body]);
    expect(verifyHeaderAuth(body, { 'x-signature': sig, 'x-timestamp': ts }, auth, now + 1000, 300_000).ok).toBe(true);
    expect(verifyHeaderAuth(body, { 'x-signature': sig, 'x-timestamp': ts }, auth, now + 301_000, 300_000)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyHeaderAuth(body, { 'x-signature': sig }, auth, now, 300_000)).toEqual({ ok: false, reason: 'missing_timestamp' });
    expect(verifyHeaderAuth(body, { 'x-signature': b64([body]), 'x-timestamp': ts }, auth, now, 300_000)).toEqual({ ok: false, reason: 'bad_signature' });
  });
  it('checks a bearer token', () => {
    const auth = { type: 'bearer' as const, token: 'a-long-shared-token-000' };
    expect(verifyHeaderAuth(body, { authorization: 'Bearer a-long-shared-token-000' }, auth, now, 1).ok).toBe(true);
    expect(verifyHeaderAuth(body, { authorization: 'Bearer a-long-shared-token-001' }, auth, now, 1)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyHeaderAuth(body, { authorization: 'Basic YTpi' }, auth, now, 1)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyHeaderAuth(body, {}, auth, now, 1)).toEqual({ ok: false, reason: 'missing_signature' });
  });
});

describe('time helpers', () => {
  it('reads epoch seconds, epoch milliseconds and ISO 8601', () => {
    expect(parseTimestamp('1714550400')).toBe(1_714_550_400_000);
    expect(parseTimestamp(1_714_550_400_123)).toBe(1_714_550_400_123);
    expect(parseTimestamp('2024-05-01T08:00:00Z')).toBe(Date.parse('2024-05-01T08:00:00Z'));
    expect(parseTimestamp('yesterday')).toBeUndefined();
  });
  it('counts an unreadable time as stale', () => {
    expect(checkFreshness(undefined, 0, 1000)).toEqual({ ok: false, reason: 'stale' });
    expect(checkFreshness(500, 1000, 1000)).toEqual({ ok: true });
  });
  it('compares strings of different lengths without throwing', () => {
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('abc', 'abc')).toBe(true);
  });
});
