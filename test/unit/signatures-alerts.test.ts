import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sourcesSchema } from '../../src/alerts/source-schema.js';
import { findRoutingKey, verifySourceAuth } from '../../src/http/signatures.js';
import { safeEqual } from '../../src/http/safe-equal.js';

const body = Buffer.from('{"version":"4","status":"firing"}');
const SECRET = 'hmac-secret-0123456789';
const sign = (text: string | Buffer) => createHmac('sha256', SECRET).update(text).digest();
/** A source's auth as the routing file gives it, defaults applied. */
const authOf = (source: 'alertmanager' | 'grafana', auth: unknown) => sourcesSchema.parse({ [source]: { auth } })[source]!.auth;
const basicHeader = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

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
    const auth = authOf('alertmanager', { hmac: { secret: SECRET } });
    expect(verifySourceAuth(auth, { 'x-signature': sign(body).toString('hex') }, body)).toEqual({ ok: true });
    expect(verifySourceAuth(auth, { 'x-signature': `sha256=${sign(body).toString('hex').toUpperCase()}` }, body)).toEqual({ ok: true });
    expect(verifySourceAuth(auth, { 'x-signature': sign(body).toString('base64') }, body)).toEqual({ ok: true });
    const tampered = Buffer.from(body.toString().replace('firing', 'resolved'));
    expect(verifySourceAuth(auth, { 'x-signature': sign(body).toString('hex') }, tampered)).toEqual({ ok: false, reason: 'signature does not match' });
    expect(verifySourceAuth(auth, {}, body)).toEqual({ ok: false, reason: 'missing x-signature header' });
  });

  it('with a timestamp header, signs "<timestamp>:<body>" and refuses stale timestamps', () => {
    const auth = authOf('grafana', { hmac: { secret: SECRET, timestampHeader: 'x-grafana-alerting-signature-timestamp' } });
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

  it("Basic credentials (Alertmanager's basic_auth): both parts must match", () => {
    const auth = authOf('alertmanager', { basic: { username: 'alertmanager', password: 'basic-password-0123' } });
    expect(verifySourceAuth(auth, { authorization: basicHeader('alertmanager', 'basic-password-0123') }, body)).toEqual({ ok: true });
    expect(verifySourceAuth(auth, { authorization: basicHeader('alertmanager', 'basic-password-0124') }, body)).toEqual({
      ok: false,
      reason: 'wrong Basic credentials',
    });
    expect(verifySourceAuth(auth, { authorization: basicHeader('grafana', 'basic-password-0123') }, body)).toEqual({
      ok: false,
      reason: 'wrong Basic credentials',
    });
    // A password may hold colons: only the first one ends the user name.
    const colon = authOf('alertmanager', { basic: { username: 'am', password: 'pass:word:0123456789' } });
    expect(verifySourceAuth(colon, { authorization: basicHeader('am', 'pass:word:0123456789') }, body)).toEqual({ ok: true });
    expect(verifySourceAuth(auth, { authorization: 'Basic bm9jb2xvbg==' }, body)).toEqual({ ok: false, reason: 'malformed Basic credentials' });
    expect(verifySourceAuth(auth, { authorization: 'Bearer basic-password-0123' }, body)).toEqual({ ok: false, reason: 'missing Basic credentials' });
    expect(verifySourceAuth(auth, {}, body)).toEqual({ ok: false, reason: 'missing Basic credentials' });
  });

  it("Grafana with the secret alone: Grafana's header names, the timestamp signed when Grafana sends it", () => {
    const auth = authOf('grafana', { hmac: { secret: SECRET } });
    expect(auth.hmac).toMatchObject({ header: 'x-grafana-alerting-signature', timestampHeader: 'x-grafana-alerting-timestamp', timestampRequired: false });
    const now = 1_741_082_400_000;
    const ts = String(now / 1000);
    // No "Timestamp header" set in Grafana: the hex HMAC of the body alone.
    expect(verifySourceAuth(auth, { 'x-grafana-alerting-signature': sign(body).toString('hex') }, body, now)).toEqual({ ok: true });
    // Set: the hex HMAC of "<unix seconds>:" + body, and the time must be recent.
    const signed = { 'x-grafana-alerting-signature': sign(`${ts}:${body.toString()}`).toString('hex'), 'x-grafana-alerting-timestamp': ts };
    expect(verifySourceAuth(auth, signed, body, now)).toEqual({ ok: true });
    expect(verifySourceAuth(auth, signed, body, now + 301_000)).toEqual({ ok: false, reason: 'signature timestamp outside the tolerance' });
    // A timestamp sent but left out of the signature (or the other way round) does not match.
    expect(verifySourceAuth(auth, { ...signed, 'x-grafana-alerting-signature': sign(body).toString('hex') }, body, now)).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
    expect(verifySourceAuth(auth, { 'x-grafana-alerting-signature': signed['x-grafana-alerting-signature'] }, body, now).ok).toBe(false);
  });

  it('refuses a routing file with none or two of bearer, basic and hmac', () => {
    expect(() => authOf('alertmanager', {})).toThrow(/exactly one of bearer, basic or hmac/);
    expect(() => authOf('alertmanager', { bearer: 'bearer-token-0123456789', basic: { username: 'a', password: 'basic-password-0123' } })).toThrow(
      /exactly one/,
    );
  });

  it('finds the routing key an event names, comparing every key', () => {
    const keys = [
      { name: 'network', key: 'a'.repeat(32) },
      { name: 'voice', key: 'b'.repeat(32), rules: ['voice'] },
    ];
    expect(findRoutingKey(keys, 'b'.repeat(32))).toEqual(keys[1]);
    expect(findRoutingKey(keys, 'a'.repeat(32))).toEqual(keys[0]);
    expect(findRoutingKey(keys, 'a'.repeat(31))).toBeUndefined();
    expect(findRoutingKey(keys, '')).toBeUndefined();
    expect(findRoutingKey([], 'a'.repeat(32))).toBeUndefined();
  });

  it('compares in constant time whatever the lengths', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
  });
});
