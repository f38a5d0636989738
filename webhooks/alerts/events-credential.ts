import type { AlertSources } from '../../src/alerts/source-schema.js';
import type { EventsIntegration } from '../../src/alerts/sources/events.js';
import { findRoutingKey, header, verifySourceAuth, type Headers } from '../../src/http/signatures.js';

export type EventsSourceConfig = NonNullable<AlertSources['events']>;

/**
 * Who sent an Events v2 event: the header credential when the source has one and the request
 * carries it (or when no routing key is configured), checked and refused when wrong; else the
 * routing key in the body, which PagerDuty's own
 * senders (Alertmanager's `pagerduty_configs`, Grafana's PagerDuty contact point, Uptime Kuma,
 * Zabbix, scripts) send and nothing else.
 */
export type EventsCredential =
  | { ok: true; integration?: EventsIntegration }
  | { ok: false; refusal: 'unauthorized'; reason: string }
  | { ok: false; refusal: 'invalid_routing_key'; reason: string };

/** `readBody` parses the JSON body (a 400 when it is not): only a routing key needs it before the check. */
export function eventsCredential(config: EventsSourceConfig, headers: Headers, raw: Buffer, readBody: () => unknown): EventsCredential {
  const auth = config.auth;
  const carriesHeader = auth !== undefined && header(headers, auth.hmac ? auth.hmac.header : 'authorization') !== undefined;
  if (auth && (carriesHeader || !config.routingKeys)) {
    const verdict = verifySourceAuth(auth, headers, raw);
    return verdict.ok ? { ok: true } : { ok: false, refusal: 'unauthorized', reason: verdict.reason };
  }
  const body = readBody();
  const given = body && typeof body === 'object' ? (body as { routing_key?: unknown }).routing_key : undefined;
  const key = typeof given === 'string' && config.routingKeys ? findRoutingKey(config.routingKeys, given) : undefined;
  if (!key) return { ok: false, refusal: 'invalid_routing_key', reason: typeof given === 'string' ? 'unknown routing key' : 'no routing key' };
  return { ok: true, integration: { name: key.name, ...(key.rules ? { rules: key.rules } : {}) } };
}

/** The body as the intake keeps it: the routing key, a credential, replaced by its name. */
export function withoutRoutingKey(body: Record<string, unknown>, integration: EventsIntegration): string {
  return JSON.stringify({ ...body, routing_key: integration.name });
}
