import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../src/errors.js';
import { parseSlackBody, retryNumOf } from '../../webhooks/slack/parse-body.js';
import { checkSlackSignature } from '../../src/http/signatures.js';

const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const now = 1_700_000_000_000;
const sign = (body: string, ts: number, key = secret) => `v0=${createHmac('sha256', key).update(`v0:${ts}:${body}`).digest('hex')}`;
const check = (body: string, ts: number, signature = sign(body, ts), nowMs = now) =>
  checkSlackSignature({ signingSecret: secret, timestamp: String(ts), signature, rawBody: body, nowMs });

describe('Slack request signature', () => {
  const ts = now / 1000;

  it('accepts Slack’s documented example', () => {
    // From Slack's "Verifying requests from Slack" guide.
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const result = checkSlackSignature({
      signingSecret: secret,
      timestamp: '1531420618',
      signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      rawBody: body,
      nowMs: 1531420618 * 1000 + 30_000,
    });
    expect(result).toEqual({ ok: true });
  });

  it('accepts any body signed with the secret, and refuses it after any change', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.nat(), (body, at) => {
        expect(check(body, ts).ok).toBe(true);
        const i = at % body.length;
        const changed = body.slice(0, i) + String.fromCharCode(body.charCodeAt(i) ^ 1) + body.slice(i + 1);
        expect(check(changed, ts, sign(body, ts))).toEqual({ ok: false, reason: 'bad_signature' });
      }),
    );
  });

  it('refuses another secret, another version and a truncated signature', () => {
    expect(check('a=1', ts, sign('a=1', ts, 'other'))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(check('a=1', ts, sign('a=1', ts).replace('v0=', 'v1='))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(check('a=1', ts, sign('a=1', ts).slice(0, 40))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(check('a=1', ts, 'v0=')).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('allows five minutes of difference either way and no more', () => {
    expect(check('a=1', ts - 300).ok).toBe(true);
    expect(check('a=1', ts + 300).ok).toBe(true);
    expect(check('a=1', ts - 301)).toEqual({ ok: false, reason: 'stale' });
    expect(check('a=1', ts + 301)).toEqual({ ok: false, reason: 'stale' });
  });

  it('refuses missing headers and a timestamp that is not a number', () => {
    expect(checkSlackSignature({ signingSecret: secret, timestamp: undefined, signature: 'v0=ab', rawBody: '', nowMs: now })).toEqual({
      ok: false,
      reason: 'missing_headers',
    });
    expect(checkSlackSignature({ signingSecret: secret, timestamp: '1', signature: undefined, rawBody: '', nowMs: now })).toEqual({
      ok: false,
      reason: 'missing_headers',
    });
    expect(checkSlackSignature({ signingSecret: secret, timestamp: '17e8', signature: 'v0=ab', rawBody: '', nowMs: now })).toEqual({
      ok: false,
      reason: 'malformed_timestamp',
    });
  });
});

describe('Slack request bodies', () => {
  it('reads events as JSON, commands as form fields, interactivity from the payload field', () => {
    expect(parseSlackBody('{"type":"event_callback","event":{"type":"message"}}', 'application/json')).toEqual({
      type: 'event_callback',
      event: { type: 'message' },
    });
    expect(parseSlackBody('command=%2Fcase&text=list', 'application/x-www-form-urlencoded')).toEqual({ command: '/case', text: 'list' });
    const payload = encodeURIComponent(JSON.stringify({ type: 'view_submission', view: { id: 'V1' } }));
    expect(parseSlackBody(`payload=${payload}`, 'application/x-www-form-urlencoded; charset=utf-8')).toEqual({ type: 'view_submission', view: { id: 'V1' } });
  });

  it('refuses bodies that are not objects', () => {
    const deep = `{"type":"x","a":${'['.repeat(100)}${']'.repeat(100)}}`;
    for (const [raw, type] of [
      ['[1]', 'application/json'],
      ['nope', 'application/json'],
      ['payload=%7Bbad', 'application/x-www-form-urlencoded'],
      ['{"type":"event_callback"}', 'application/json'],
      ['{"type":"event_callback","event":"x"}', 'application/json'],
      [deep, 'application/json'],
    ] as const) {
      expect(() => parseSlackBody(raw, type)).toThrow(BridgeError);
    }
  });

  it('reads the retry number', () => {
    expect(retryNumOf(undefined)).toBeUndefined();
    expect(retryNumOf('2')).toBe(2);
    expect(retryNumOf(['1'])).toBe(1);
    expect(retryNumOf('x')).toBeUndefined();
  });
});
