import type { z } from 'zod';
import type { Notification } from '../notification.js';
import type { AlertSource } from '../routing-schema.js';
import { alertmanagerPayloadSchema, fromAlertmanager } from './alertmanager.js';
import { eventsPayloadSchema, fromEvents } from './events.js';
import { fromGrafana, grafanaPayloadSchema } from './grafana.js';

export interface PayloadIssue {
  path: string;
  message: string;
}

export type ParseResult = { ok: true; notification: Notification } | { ok: false; issues: PayloadIssue[] };

/** Validates a source's JSON body and turns it into the common notification shape. */
export function parseNotification(source: AlertSource, body: unknown, author?: string): ParseResult {
  switch (source) {
    case 'alertmanager': {
      const r = alertmanagerPayloadSchema.safeParse(body);
      return r.success ? { ok: true, notification: fromAlertmanager(r.data, author) } : failed(r.error);
    }
    case 'grafana': {
      const r = grafanaPayloadSchema.safeParse(body);
      return r.success ? { ok: true, notification: fromGrafana(r.data, author) } : failed(r.error);
    }
    case 'events': {
      const r = eventsPayloadSchema.safeParse(body);
      return r.success ? { ok: true, notification: fromEvents(r.data, author) } : failed(r.error);
    }
  }
}

function failed(error: z.ZodError): { ok: false; issues: PayloadIssue[] } {
  return { ok: false, issues: error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })) };
}
