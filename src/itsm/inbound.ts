import { getPath, textAt } from './field-path.js';
import { parseDeclarative, pathsOf } from './parse-declarative.js';
import { parseJira } from './parse-jira.js';
import { parseZendesk } from './parse-zendesk.js';
import type { ConnectorConfig } from './routing-schema.js';
import { contentId, keyPart, type Parsed } from './ticket-event.js';
import { checkFreshness, header, parseTimestamp, verifyHeaderAuth, verifyJira, verifyZendesk, type Headers, type Verdict } from '../http/signatures.js';

/**
 * Per-tool facts about one inbound delivery: is it authentic and fresh, what is its delivery id,
 * and which ticket event it carries. Pure; the webhook route does the I/O around it.
 */

/**
 * How old a delivery may be. Jira retries failed deliveries for up to 30 minutes with the original
 * body (and its timestamp), so its window is wider; the others sign the time of each attempt.
 */
export function maxAgeMs(connector: ConnectorConfig): number {
  return (connector.maxAgeSeconds ?? (connector.tool === 'jira' ? 3600 : 300)) * 1000;
}

/** The signature check, on the raw body, before anything is parsed. */
export function verifySignature(connector: ConnectorConfig, rawBody: Buffer, headers: Headers, nowMs: number): Verdict {
  switch (connector.tool) {
    case 'jira':
      return verifyJira(rawBody, headers, connector.auth.secret);
    case 'zendesk':
      return verifyZendesk(rawBody, headers, connector.auth.secret, nowMs, maxAgeMs(connector));
    case 'servicenow':
    case 'generic':
      return verifyHeaderAuth(rawBody, headers, connector.auth, nowMs, maxAgeMs(connector));
  }
}

/**
 * The time the signed body itself carries must be recent: Jira's `timestamp` (when present), or
 * the configured `fieldPaths.timestamp` of a ServiceNow or generic connector (then required).
 */
export function verifyBodyTime(connector: ConnectorConfig, payload: unknown, nowMs: number): Verdict {
  const path = connector.tool === 'jira' ? 'timestamp' : connector.tool === 'zendesk' ? undefined : connector.fieldPaths.timestamp;
  if (!path) return { ok: true };
  const raw = getPath(payload, path);
  if (raw === undefined) return connector.tool === 'jira' ? { ok: true } : { ok: false, reason: 'missing_timestamp' };
  const atMs = typeof raw === 'number' || typeof raw === 'string' ? parseTimestamp(raw) : undefined;
  return checkFreshness(atMs, nowMs, maxAgeMs(connector));
}

export function parseTicketEvent(connector: ConnectorConfig, payload: unknown): Parsed {
  switch (connector.tool) {
    case 'jira':
      return parseJira(payload);
    case 'zendesk':
      return parseZendesk(payload);
    case 'servicenow':
    case 'generic':
      return parseDeclarative(connector, payload);
  }
}

/**
 * The id the tool gives this delivery (the same on its retries), else one derived from the body:
 * identical bodies are the same delivery.
 */
export function deliveryIdOf(connector: ConnectorConfig, headers: Headers, payload: unknown, rawBody: Buffer): string {
  let given: string | undefined;
  if (connector.tool === 'jira') given = header(headers, 'x-atlassian-webhook-identifier');
  else if (connector.tool === 'zendesk') given = header(headers, 'x-zendesk-webhook-invocation-id') ?? textAt(payload, 'id');
  else {
    given = connector.deliveryIdHeader ? header(headers, connector.deliveryIdHeader) : undefined;
    given ??= textAt(payload, pathsOf(connector).deliveryId);
  }
  return given ? keyPart(given, 64) : contentId(rawBody);
}
