import { z } from 'zod';
import type { AlertLink, Notification } from '../notification.js';
import { alertmanagerAlertSchema, groupNotification, groupShape, jsonObject } from './alertmanager.js';

/**
 * Grafana alerting's webhook contact point: Alertmanager's shape (version "1") plus `orgId`,
 * `title`, `state`, `message` and per alert `values`/`valueString` and dashboard, panel, silence
 * and image links.
 */

const grafanaAlertSchema = alertmanagerAlertSchema.extend({
  values: jsonObject.nullish(),
  valueString: z.string().nullish(),
  dashboardURL: z.string().nullish(),
  panelURL: z.string().nullish(),
  silenceURL: z.string().nullish(),
  imageURL: z.string().nullish(),
});

export const grafanaPayloadSchema = z.looseObject({
  version: z.string().nullish(),
  orgId: z.number().int().nullish(),
  title: z.string().nullish(),
  state: z.string().nullish(),
  message: z.string().nullish(),
  ...groupShape,
  alerts: z.array(grafanaAlertSchema).max(10_000),
});
export type GrafanaPayload = z.infer<typeof grafanaPayloadSchema>;

export function fromGrafana(p: GrafanaPayload, author = 'Grafana'): Notification {
  const n = groupNotification('grafana', p, author, (i) => {
    const a = p.alerts[i]!;
    const links: AlertLink[] = [];
    if (a.dashboardURL) links.push({ title: 'dashboard', url: a.dashboardURL });
    if (a.panelURL) links.push({ title: 'panel', url: a.panelURL });
    if (a.imageURL) links.push({ title: 'image', url: a.imageURL });
    if (a.silenceURL) links.push({ title: 'silence', url: a.silenceURL });
    return { links, values: a.valueString || formatValues(a.values) };
  });
  return { ...n, title: p.title || undefined };
}

function formatValues(values: Record<string, unknown> | null | undefined): string | undefined {
  if (!values) return undefined;
  const parts = Object.entries(values).map(([k, v]) => `${k}=${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
  return parts.length ? parts.join(', ') : undefined;
}
