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
    expect(verifyJira(body, { 'x-hub-signature': `sha256=${hex([body])}` }, { secret: SECRET })).toEqual({ ok: true });
  });
  it('refuses a missing header, another secret, and a changed body', () => {
    expect(verifyJira(body, {}, { secret: SECRET })).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifyJira(body, { 'x-hub-signature': `sha256=${hex([body], 'other-secret-000')}` }, { secret: SECRET })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    const changed = Buffer.from(body.toString().replace('created', 'deleted'));
    expect(verifyJira(changed, { 'x-hub-signature': `sha256=${hex([body])}` }, { secret: SECRET })).toEqual({ ok: false, reason: 'bad_signature' });
  });
  it('refuses any other body signed with the same header (property)', () => {
    const signature = `sha256=${hex([body])}`;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const other = Buffer.from(bytes);
        fc.pre(!other.equals(body));
        return verifyJira(other, { 'x-hub-signature': signature }, { secret: SECRET }).ok === false;
      }),
    );
  });
});

describe('Jira: the README example, and a shared secret for senders that cannot sign', () => {
  it('verifies the signature the README shows', () => {
    const documented = Buffer.from(
      '{"timestamp":1733130000000,"webhookEvent":"jira:issue_created","issue":{"id":"10042","key":"OPS-42","fields":{"summary":"Madrid branch offline"}}}',
    );
    const signature = 'sha256=4d2977b904eda7e2f7f41d3309ab01460b8a6db7fe303c0e7d9e41dda1ea1916';
    expect(verifyJira(documented, { 'x-hub-signature': signature }, { secret: 'It-is-a-secret-for-Jira' })).toEqual({ ok: true });
  });
  it('compares the shared secret header in constant time, whatever the body', () => {
    const auth = { type: 'shared-secret' as const, header: 'x-expereo-secret', token: 'jsm-automation-token-0001' };
    expect(verifyJira(body, { 'x-expereo-secret': 'jsm-automation-token-0001' }, auth)).toEqual({ ok: true });
    expect(verifyJira(body, { 'x-expereo-secret': 'jsm-automation-token-0002' }, auth)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyJira(body, { 'x-expereo-secret': 'jsm-automation-token-000' }, auth)).toEqual({ ok: false, reason: 'bad_signature' });
    // A signature is no substitute for the secret it was configured with, nor the other way round.
    expect(verifyJira(body, { 'x-hub-signature': `sha256=${hex([body], auth.token)}` }, auth)).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifyJira(body, { 'x-expereo-secret': SECRET }, { secret: SECRET })).toEqual({ ok: false, reason: 'missing_signature' });
  });
});

describe('ServiceNow: CertificateEncryption.generateMac', () => {
  // generateMac(key, "HmacSHA256", data): the key is base64 and decoded to the HMAC key's bytes; the MAC comes back in base64.
  const generateMac = (keyBase64: string, data: string) => createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(data, 'utf8').digest('base64');
  const auth = {
    type: 'hmac' as const,
    secret: 'servicenow-secret-0001',
    header: 'x-sn-signature',
    encoding: 'base64' as const,
    prefix: '',
    timestampHeader: 'x-sn-timestamp',
  };
  const now = 1_733_130_000_000;
  const ts = String(now / 1000);
  it('is accepted with the base64 of the secret as its key, over "<timestamp>.<body>"', () => {
    const signature = generateMac(Buffer.from(auth.secret, 'utf8').toString('base64'), `${ts}.${body.toString()}`);
    expect(verifyHeaderAuth(body, { 'x-sn-signature': signature, 'x-sn-timestamp': ts }, auth, now, 300_000)).toEqual({ ok: true });
  });
  it('is accepted however the base64 is wrapped, and refused when one character differs', () => {
    const signature = generateMac(Buffer.from(auth.secret, 'utf8').toString('base64'), `${ts}.${body.toString()}`);
    const wrapped = `${signature.slice(0, 20)} ${signature.slice(20)} `;
    expect(verifyHeaderAuth(body, { 'x-sn-signature': wrapped, 'x-sn-timestamp': ts }, auth, now, 300_000)).toEqual({ ok: true });
    const other = `${signature.slice(0, 5)}${signature[5] === 'A' ? 'B' : 'A'}${signature.slice(6)}`;
    expect(verifyHeaderAuth(body, { 'x-sn-signature': other, 'x-sn-timestamp': ts }, auth, now, 300_000)).toEqual({ ok: false, reason: 'bad_signature' });
  });
  it('is refused with the secret itself as the key (generateMac would read it as base64)', () => {
    const signature = generateMac(auth.secret, `${ts}.${body.toString()}`);
    expect(verifyHeaderAuth(body, { 'x-sn-signature': signature, 'x-sn-timestamp': ts }, auth, now, 300_000)).toEqual({ ok: false, reason: 'bad_signature' });
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
