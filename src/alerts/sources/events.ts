import { z } from 'zod';
import { normaliseKey } from '../incident-key.js';
import { alertIds, isoOrUndefined, shortHash, stringRecord, type AlertItem, type AlertLink, type Labels, type Notification } from '../notification.js';

/**
 * The PagerDuty Events API v2 shape (`routing_key`, `event_action`, `dedup_key`, `payload`), which
 * many tools can send. One event is about one alert, named by its `dedup_key`.
 */

const text = z.string().nullish();

export const eventsPayloadSchema = z
  .looseObject({
    routing_key: z.string().min(1, 'must not be empty').max(200),
    event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
    dedup_key: z.string().min(1).max(255).nullish(),
    payload: z
      .looseObject({
        summary: z.string().min(1).max(1024),
        source: z.string().min(1).max(1024),
        severity: z.enum(['critical', 'error', 'warning', 'info']),
        timestamp: text,
        component: text,
        group: text,
        class: text,
        custom_details: z.unknown().optional(),
      })
      .nullish(),
    client: text,
    client_url: text,
    links: z.array(z.looseObject({ href: z.string(), text: text })).nullish(),
    images: z.array(z.looseObject({ src: z.string(), href: text, alt: text })).nullish(),
  })
  .superRefine((e, ctx) => {
    if (e.event_action === 'trigger' && !e.payload) ctx.addIssue({ code: 'custom', path: ['payload'], message: 'is required for a trigger' });
    if (e.event_action !== 'trigger' && !e.dedup_key) ctx.addIssue({ code: 'custom', path: ['dedup_key'], message: `is required for ${e.event_action}` });
  });
export type EventsPayload = z.infer<typeof eventsPayloadSchema>;

/** A PagerDuty-style integration the event came through (its routing key's name and rules). */
export interface EventsIntegration {
  name: string;
  rules?: readonly string[];
}

/** The event's `dedup_key`, or the one the bridge derives for a trigger without one (and answers with). */
export function dedupKeyOf(e: EventsPayload): string {
  const p = e.payload ?? undefined;
  // Without a dedup_key the same trigger delivered twice must still be one alert: derive one.
  return e.dedup_key ?? `auto-${shortHash([p?.summary, p?.source, p?.component, p?.class].join('\u0000'), 20)}`;
}

/**
 * Dedup is per integration, as PagerDuty's is per routing key: an event through a routing key is
 * grouped under the key's name (`network/<dedup_key>`); one through the header credential by its
 * `dedup_key` alone.
 */
export function fromEvents(e: EventsPayload, author?: string, integration?: EventsIntegration): Notification {
  const p = e.payload ?? undefined;
  const own = normaliseKey(dedupKeyOf(e));
  const dedup = integration ? normaliseKey(`${integration.name}/${own}`) : own;
  const origin = `events:${dedup}`;
  const status = e.event_action === 'trigger' ? 'firing' : e.event_action === 'resolve' ? 'resolved' : 'acknowledged';
  const { labels, annotations } = p ? describe(p) : { labels: {}, annotations: {} };
  const links: AlertLink[] = (e.links ?? []).map((l) => ({ title: l.text || 'link', url: l.href }));
  if (e.client_url) links.push({ title: e.client || 'monitoring', url: e.client_url });
  const alerts: AlertItem[] =
    status === 'acknowledged'
      ? []
      : [
          {
            id: alertIds(origin)(own),
            fingerprint: own,
            name: p ? p.summary.slice(0, 200) : own,
            status,
            labels,
            annotations,
            startsAt: p ? (isoOrUndefined(p.timestamp) ?? undefined) : undefined,
            links,
          },
        ];
  return {
    source: 'events',
    groupKey: dedup,
    origin,
    mode: 'delta',
    // `payload.timestamp` is when the sender made this event, not when the alert began.
    instances: false,
    status,
    labels,
    annotations,
    alerts,
    truncated: 0,
    author: author ?? (e.client || 'Events API'),
    title: p?.summary,
    ...(integration?.rules ? { rules: integration.rules } : {}),
  };
}

/** Payload fields become labels; custom details become labels when plain values, else annotations. */
function describe(p: NonNullable<EventsPayload['payload']>): { labels: Labels; annotations: Labels } {
  const labels: Labels = stringRecord({ severity: p.severity, source: p.source, component: p.component, group: p.group, class: p.class });
  const annotations: Labels = { summary: p.summary };
  const details = p.custom_details;
  if (details && typeof details === 'object' && !Array.isArray(details)) {
    for (const [k, v] of Object.entries(details as Record<string, unknown>)) {
      if (v === null || v === undefined) continue;
      if (typeof v === 'object') annotations[k] = JSON.stringify(v);
      else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !(k in labels)) labels[k] = String(v);
      else annotations[k] = String(v);
    }
  } else if (details !== undefined && details !== null) {
    annotations.details = typeof details === 'string' ? details : JSON.stringify(details);
  }
  return { labels, annotations };
}
