import type { z } from 'zod';
import type { Notification, NotificationHead } from '../notification.js';
import type { AlertSource } from '../routing-schema.js';
import { alertmanagerPayloadSchema, fromAlertmanager, groupHead } from './alertmanager.js';
import { eventsPayloadSchema, fromEvents, type EventsIntegration } from './events.js';
import { fromGrafana, grafanaPayloadSchema } from './grafana.js';

export interface PayloadIssue {
  path: string;
  message: string;
}

export type ParseResult = { ok: true; notification: Notification } | { ok: false; issues: PayloadIssue[] };

/** Validates a source's JSON body and turns it into the common notification shape. */
export function parseNotification(source: AlertSource, body: unknown, author?: string, integration?: EventsIntegration): ParseResult {
  const checked = checkNotification(source, body, author, integration);
  return checked.ok ? { ok: true, notification: checked.notification() } : checked;
}

export type CheckResult = { ok: true; head: NotificationHead; notification: () => Notification } | { ok: false; issues: PayloadIssue[] };

/**
 * Validates a source's JSON body like `parseNotification`, but builds only the notification's head
 * (what a webhook request needs before it queues the body); the whole notification, with its
 * alerts' ids and times, on demand.
 */
export function checkNotification(source: AlertSource, body: unknown, author?: string, integration?: EventsIntegration): CheckResult {
  switch (source) {
    case 'alertmanager': {
      const r = alertmanagerPayloadSchema.safeParse(body);
      if (!r.success) return failed(r.error);
      return { ok: true, head: groupHead(source, r.data), notification: () => fromAlertmanager(r.data, author) };
    }
    case 'grafana': {
      const r = grafanaPayloadSchema.safeParse(body);
      if (!r.success) return failed(r.error);
      return { ok: true, head: groupHead(source, r.data), notification: () => fromGrafana(r.data, author) };
    }
    case 'events': {
      // One alert at most: the whole notification costs no more than a head would.
      const r = eventsPayloadSchema.safeParse(body);
      if (!r.success) return failed(r.error);
      const n = fromEvents(r.data, author, integration);
      const head = { source, origin: n.origin, labels: n.labels, firing: n.status === 'firing', ...(n.rules ? { rules: n.rules } : {}) };
      return { ok: true, head, notification: () => n };
    }
  }
}

function failed(error: z.ZodError): { ok: false; issues: PayloadIssue[] } {
  return { ok: false, issues: error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })) };
}
