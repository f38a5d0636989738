import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RoutingKey, SourceAuth } from '../alerts/source-schema.js';
import type { HeaderAuth, JiraAuth } from '../itsm/routing-schema.js';
import { safeEqual } from './safe-equal.js';

/**
 * Every webhook's credential check, one scheme a function: Slack's v0 signature, the alert
 * sources' bearer token or HMAC, and each ITSM tool's signature. Pure functions of the raw body,
 * the headers, the secret and a clock. Digests are compared in constant time; a timestamp, where
 * the sender signs one, must be recent so that a captured delivery cannot be replayed later.
 */

export type Headers = Record<string, string | string[] | undefined>;
export type Verdict = { ok: true } | { ok: false; reason: 'missing_signature' | 'bad_signature' | 'missing_timestamp' | 'stale' };

const OK: Verdict = { ok: true };

/** A request header's first value; an empty one counts as absent. */
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

// ---- Slack --------------------------------------------------------------------------------------

/** Slack's replay window: a request signed more than five minutes from now (either way) is refused. */
export const MAX_SKEW_SECONDS = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing_headers' | 'malformed_timestamp' | 'stale' | 'bad_signature' };

const SLACK_SIGNATURE = /^v0=([0-9a-f]{64})$/;

/**
 * Checks Slack's v0 request signature over the raw body: `v0=HMAC-SHA256(secret, "v0:<ts>:<body>")`,
 * as Bolt's `verifySlackRequest` does, refusing timestamps too far in the past and also in the
 * future. The digests are compared with `crypto.timingSafeEqual` (fixed length, constant time):
 * Bolt's comparison (tsscmp) draws random bytes and computes two more HMACs per request, a tenth
 * of the Events route's CPU under load. The clock is passed in.
 */
export function checkSlackSignature(o: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
  nowMs: number;
}): SignatureCheck {
  if (!o.timestamp || !o.signature) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(o.timestamp)) return { ok: false, reason: 'malformed_timestamp' };
  const ts = Number(o.timestamp);
  if (Math.abs(Math.floor(o.nowMs / 1000) - ts) > MAX_SKEW_SECONDS) return { ok: false, reason: 'stale' };
  const given = SLACK_SIGNATURE.exec(o.signature.trim().toLowerCase());
  if (!given) return { ok: false, reason: 'bad_signature' };
  const expected = createHmac('sha256', o.signingSecret).update(`v0:${o.timestamp}:`).update(o.rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(given[1]!, 'hex')) ? { ok: true } : { ok: false, reason: 'bad_signature' };
}

// ---- alert sources (Alertmanager, Grafana, Events API senders) --------------------------------

/**
 * Checks an alert webhook's credential against its source's configuration: a bearer token, Basic
 * credentials, or an HMAC-SHA256 of the raw body (hex or base64, optionally `sha256=`-prefixed),
 * signed together with the timestamp header when the request carries it (`<timestamp>:<body>`,
 * Grafana's scheme; required when the routing file names the header).
 */
export function verifySourceAuth(auth: SourceAuth, headers: Headers, raw: Buffer, nowMs = Date.now()): { ok: true } | { ok: false; reason: string } {
  if (auth.bearer !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header(headers, 'authorization') ?? '');
    if (!m) return { ok: false, reason: 'missing bearer token' };
    return safeEqual(m[1]!, auth.bearer) ? { ok: true } : { ok: false, reason: 'wrong bearer token' };
  }
  if (auth.basic !== undefined) return verifyBasic(auth.basic, headers);
  const config = auth.hmac!;
  const given = header(headers, config.header)
    ?.trim()
    .replace(/^sha256=/i, '');
  if (!given) return { ok: false, reason: `missing ${config.header} header` };
  const parts: (string | Buffer)[] = [];
  const ts = config.timestampHeader ? header(headers, config.timestampHeader)?.trim() : undefined;
  if (ts !== undefined || config.timestampRequired) {
    if (!ts || !/^\d{1,16}$/.test(ts)) return { ok: false, reason: `missing or malformed ${config.timestampHeader} header` };
    const n = Number(ts);
    const ms = n > 1e12 ? n : n * 1000;
    if (Math.abs(nowMs - ms) > config.toleranceSeconds * 1000) return { ok: false, reason: 'signature timestamp outside the tolerance' };
    parts.push(`${ts}:`);
  }
  parts.push(raw);
  const ok = safeEqual(given.toLowerCase(), hmac(config.secret, parts, 'hex')) || safeEqual(given, hmac(config.secret, parts, 'base64'));
  return ok ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

/** `Authorization: Basic base64(user:password)`; both parts compared in constant time, always both. */
function verifyBasic(expected: { username: string; password: string }, headers: Headers): { ok: true } | { ok: false; reason: string } {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header(headers, 'authorization') ?? '');
  if (!m) return { ok: false, reason: 'missing Basic credentials' };
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { ok: false, reason: 'malformed Basic credentials' };
  const user = safeEqual(decoded.slice(0, colon), expected.username);
  const password = safeEqual(decoded.slice(colon + 1), expected.password);
  return user && password ? { ok: true } : { ok: false, reason: 'wrong Basic credentials' };
}

/**
 * The configured routing key a PagerDuty-style event names, or undefined. Every key is compared,
 * in constant time, whichever matches: neither the time taken nor the order of the keys in the file
 * tells a caller how close a guess was.
 */
export function findRoutingKey(keys: readonly RoutingKey[], given: string): RoutingKey | undefined {
  let found: RoutingKey | undefined;
  for (const k of keys) {
    const same = safeEqual(given, k.key);
    if (same && !found) found = k;
  }
  return found;
}

// ---- ITSM tools ---------------------------------------------------------------------------------

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
