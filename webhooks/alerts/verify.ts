import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AlertsRouting } from '../../src/alerts/routing-schema.js';
import { safeEqual } from '../../src/http/safe-equal.js';

export type SourceAuth = NonNullable<AlertsRouting['sources']['alertmanager']>['auth'];

export type Verdict = { ok: true } | { ok: false; reason: string };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Checks a webhook's credential against its source's configuration: a bearer token, or an
 * HMAC-SHA256 of the raw body (hex or base64, optionally `sha256=`-prefixed), signed together with
 * a timestamp header when one is configured (`<timestamp>:<body>`, Grafana's scheme).
 */
export function verifyRequest(auth: SourceAuth, headers: IncomingHttpHeaders, raw: Buffer, nowMs = Date.now()): Verdict {
  if (auth.bearer !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header(headers, 'authorization') ?? '');
    if (!m) return { ok: false, reason: 'missing bearer token' };
    return safeEqual(m[1]!, auth.bearer) ? { ok: true } : { ok: false, reason: 'wrong bearer token' };
  }
  const hmac = auth.hmac!;
  const given = header(headers, hmac.header)?.trim().replace(/^sha256=/i, '');
  if (!given) return { ok: false, reason: `missing ${hmac.header} header` };
  const mac = createHmac('sha256', hmac.secret);
  if (hmac.timestampHeader) {
    const ts = header(headers, hmac.timestampHeader)?.trim() ?? '';
    if (!/^\d{1,16}$/.test(ts)) return { ok: false, reason: `missing or malformed ${hmac.timestampHeader} header` };
    const n = Number(ts);
    const ms = n > 1e12 ? n : n * 1000;
    if (Math.abs(nowMs - ms) > hmac.toleranceSeconds * 1000) return { ok: false, reason: 'signature timestamp outside the tolerance' };
    mac.update(`${ts}:`);
  }
  const digest = mac.update(raw).digest();
  const ok = safeEqual(given.toLowerCase(), digest.toString('hex')) || safeEqual(given, digest.toString('base64'));
  return ok ? { ok: true } : { ok: false, reason: 'signature does not match' };
}
