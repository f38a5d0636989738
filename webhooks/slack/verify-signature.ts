import { verifySlackRequest } from '@slack/bolt';

/** Slack's replay window: a request signed more than five minutes from now (either way) is refused. */
export const MAX_SKEW_SECONDS = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing_headers' | 'malformed_timestamp' | 'stale' | 'bad_signature' };

/**
 * Checks Slack's v0 request signature over the raw body: `v0=HMAC-SHA256(secret, "v0:<ts>:<body>")`,
 * compared in constant time (Bolt's `verifySlackRequest`). Bolt refuses only timestamps too far in
 * the past; this also refuses ones too far in the future. The clock is passed in.
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
  try {
    verifySlackRequest({
      signingSecret: o.signingSecret,
      body: o.rawBody,
      headers: { 'x-slack-signature': o.signature, 'x-slack-request-timestamp': ts },
      nowMilliseconds: o.nowMs,
    });
    return { ok: true };
  } catch {
    return { ok: false, reason: 'bad_signature' };
  }
}
