import { createHmac } from 'node:crypto';
import { safeEqual } from '../http/safe-equal.js';
import type { HeaderAuth, JiraAuth } from './routing-schema.js';

/**
 * How each tool signs its webhooks, as pure functions of the raw body, the headers, the secret and
 * a clock. Digests are compared in constant time; a timestamp, where the tool sends one, must be
 * recent so that a captured delivery cannot be replayed later.
 */

export type Headers = Record<string, string | string[] | undefined>;
export type Verdict = { ok: true } | { ok: false; reason: 'missing_signature' | 'bad_signature' | 'missing_timestamp' | 'stale' };

const OK: Verdict = { ok: true };

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

function hmac(secret: string, parts: (string | Buffer)[], encoding: 'hex' | 'base64'): string {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest(encoding);
}

/**
 * Jira Cloud: `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>`. Or, for Jira Service
 * Management automation (which cannot sign), the shared secret itself in the configured header.
 */
export function verifyJira(rawBody: Buffer, headers: Headers, auth: JiraAuth): Verdict {
  if ('token' in auth) {
    const given = header(headers, auth.header);
    if (!given) return { ok: false, reason: 'missing_signature' };
    return safeEqual(given.trim(), auth.token) ? OK : { ok: false, reason: 'bad_signature' };
  }
  const given = header(headers, 'x-hub-signature');
  if (!given) return { ok: false, reason: 'missing_signature' };
  const expected = `sha256=${hmac(auth.secret, [rawBody], 'hex')}`;
  return safeEqual(given.trim().toLowerCase(), expected) ? OK : { ok: false, reason: 'bad_signature' };
}

/**
 * Zendesk: `X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(secret, timestamp + body))` with the
 * timestamp in `X-Zendesk-Webhook-Signature-Timestamp`.
 */
export function verifyZendesk(rawBody: Buffer, headers: Headers, secret: string, nowMs: number, maxAgeMs: number): Verdict {
  const given = header(headers, 'x-zendesk-webhook-signature');
  if (!given) return { ok: false, reason: 'missing_signature' };
  const timestamp = header(headers, 'x-zendesk-webhook-signature-timestamp');
  if (!timestamp) return { ok: false, reason: 'missing_timestamp' };
  const expected = hmac(secret, [timestamp, rawBody], 'base64');
  if (!safeEqual(given.trim(), expected)) return { ok: false, reason: 'bad_signature' };
  return checkFreshness(parseTimestamp(timestamp), nowMs, maxAgeMs);
}

/**
 * ServiceNow and generic connectors: an HMAC-SHA256 of the raw body (of `<timestamp>.<body>` when a
 * timestamp header is configured) in a configurable header, or a shared bearer token.
 */
export function verifyHeaderAuth(rawBody: Buffer, headers: Headers, auth: HeaderAuth, nowMs: number, maxAgeMs: number): Verdict {
  if (auth.type === 'bearer') {
    const given = header(headers, 'authorization');
    if (!given) return { ok: false, reason: 'missing_signature' };
    const match = /^Bearer\s+(.+)$/i.exec(given.trim());
    return match && safeEqual(match[1]!, auth.token) ? OK : { ok: false, reason: 'bad_signature' };
  }
  const given = header(headers, auth.header);
  if (!given) return { ok: false, reason: 'missing_signature' };
  const timestamp = auth.timestampHeader ? header(headers, auth.timestampHeader) : undefined;
  if (auth.timestampHeader && !timestamp) return { ok: false, reason: 'missing_timestamp' };
  const parts = timestamp ? [`${timestamp}.`, rawBody] : [rawBody];
  const digest = hmac(auth.secret, parts, auth.encoding);
  let value = given.trim();
  if (auth.prefix) {
    if (!value.toLowerCase().startsWith(auth.prefix.toLowerCase())) return { ok: false, reason: 'bad_signature' };
    value = value.slice(auth.prefix.length);
  }
  // A base64 digest may come wrapped (Java's MIME encoders break lines, folded to spaces): whitespace is no part of it.
  const same = auth.encoding === 'hex' ? safeEqual(value.toLowerCase(), digest) : safeEqual(value.replace(/\s+/g, ''), digest);
  if (!same) return { ok: false, reason: 'bad_signature' };
  return timestamp ? checkFreshness(parseTimestamp(timestamp), nowMs, maxAgeMs) : OK;
}

/**
 * A delivery's own time must be within `maxAgeMs` of now (a little future skew is tolerated the
 * same way). Unparseable times count as stale: the sender promised one and did not give it.
 */
export function checkFreshness(atMs: number | undefined, nowMs: number, maxAgeMs: number): Verdict {
  if (atMs === undefined) return { ok: false, reason: 'stale' };
  return Math.abs(nowMs - atMs) <= maxAgeMs ? OK : { ok: false, reason: 'stale' };
}

/** Epoch seconds, epoch milliseconds or an ISO 8601 date-time, as epoch milliseconds. */
export function parseTimestamp(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  if (/^\d{9,11}$/.test(text)) return Number(text) * 1000;
  if (/^\d{12,14}$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
