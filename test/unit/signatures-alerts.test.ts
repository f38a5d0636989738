import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySourceAuth } from '../../src/http/signatures.js';
import { safeEqual } from '../../src/http/safe-equal.js';

const body = Buffer.from('{"version":"4","status":"firing"}');
const SECRET = 'hmac-secret-0123456789';
const sign = (text: string | Buffer) => createHmac('sha256', SECRET).update(text).digest();

describe('alert webhook credentials', () => {
  const bearer = { bearer: 'bearer-token-0123456789' };

  it('accepts the right bearer token and refuses others', () => {
    expect(verifySourceAuth(bearer, { authorization: 'Bearer bearer-token-0123456789' }, body)).toEqual({ ok: true });
    expect(verifySourceAuth(bearer, { authorization: 'bearer bearer-token-0123456789' }, body)).toEqual({ ok: true });
    expect(verifySourceAuth(bearer, { authorization: 'Bearer bearer-token-012345678' }, body)).toEqual({ ok: false, reason: 'wrong bearer token' });
    expect(verifySourceAuth(bearer, { authorization: 'Basic Zm9vOmJhcg==' }, body)).toEqual({ ok: false, reason: 'missing bearer token' });
    expect(verifySourceAuth(bearer, {}, body)).toEqual({ ok: false, reason: 'missing bearer token' });
  });

  it('accepts an HMAC of the exact body, in hex, sha256=hex or base64', () => {
    const auth = { hmac: { secret: SECRET, header: 'x-signature', toleranceSeconds: 300 } };
    expect(verifySourceAuth(auth, { 'x-signature': sign(body).toString('hex') }, body)).toEqual({ ok: true });
    expect(verifySourceAuth(auth, { 'x-signature': `sha256=${sign(body).toString('hex').toUpperCase()}` }, body)).toEqual({ ok: true });
    expect(verifySourceAuth(auth, { 'x-signature': sign(body).toString('base64') }, body)).toEqual({ ok: true });
    const tampered = Buffer.from(body.toString().replace('firing', 'resolved'));
    expect(verifySourceAuth(auth, { 'x-signature': sign(body).toString('hex') }, tampered)).toEqual({ ok: false, reason: 'signature does not match' });
    expect(verifySourceAuth(auth, {}, body)).toEqual({ ok: false, reason: 'missing x-signature header' });
  });

  it('with a timestamp header, signs "<timestamp>:<body>" and refuses stale timestamps', () => {
    const auth = {
      hmac: { secret: SECRET, header: 'x-grafana-alerting-signature', timestampHeader: 'x-grafana-alerting-signature-timestamp', toleranceSeconds: 300 },
    };
    const now = 1_741_082_400_000;
    const ts = String(now / 1000);
    const headers = { 'x-grafana-alerting-signature': sign(`${ts}:${body.toString()}`).toString('hex'), 'x-grafana-alerting-signature-timestamp': ts };
    expect(verifySourceAuth(auth, headers, body, now)).toEqual({ ok: true });
    expect(verifySourceAuth(auth, headers, body, now + 301_000)).toEqual({ ok: false, reason: 'signature timestamp outside the tolerance' });
    expect(verifySourceAuth(auth, { ...headers, 'x-grafana-alerting-signature-timestamp': String(now / 1000 + 1) }, body, now)).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
    expect(verifySourceAuth(auth, { 'x-grafana-alerting-signature': headers['x-grafana-alerting-signature'] }, body, now).ok).toBe(false);
  });

  it('compares in constant time whatever the lengths', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
  });
});
