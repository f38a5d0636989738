import { z } from 'zod';
import { normaliseKey } from '../incident-key.js';
import {
  alertIds,
  isoOrUndefined,
  labelsFingerprint,
  stringRecord,
  type AlertItem,
  type AlertLink,
  type Notification,
  type NotificationHead,
} from '../notification.js';

/**
 * Alertmanager's webhook (`webhook_config`, payload version 4). Each notification is the whole
 * current state of one alert group: its firing alerts, plus resolved ones when `send_resolved` is on.
 */

/**
 * A JSON object of any values (labels, annotations, Grafana's values): checked to be an object, not
 * walked value by value as `z.record` would (which allocates for every label of every alert on the
 * webhook's hot path); `stringRecord` turns the values into strings where they are read.
 */
export const jsonObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  'Invalid input: expected an object',
);
const labelMap = jsonObject.nullish();

export const alertmanagerAlertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: jsonObject,
  annotations: labelMap,
  startsAt: z.string().nullish(),
  endsAt: z.string().nullish(),
  generatorURL: z.string().nullish(),
  fingerprint: z.string().min(1).nullish(),
});

/** Fields common to Alertmanager and Grafana notifications. */
export const groupShape = {
  groupKey: z.string().min(1, 'must not be empty'),
  truncatedAlerts: z.number().int().min(0).nullish(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().nullish(),
  groupLabels: labelMap,
  commonLabels: labelMap,
  commonAnnotations: labelMap,
  externalURL: z.string().nullish(),
  /** Alertmanager 0.28 and later: why this notification was sent ("first notification", "repeat interval elapsed", …). */
  notification_reason: z.string().nullish(),
  /** Alertmanager 0.34: the labels the route set on the group; rules match them under the common labels. */
  routeLabels: labelMap,
};

export const alertmanagerPayloadSchema = z.looseObject({
  version: z.literal('4', 'must be "4" (Alertmanager webhook payload version 4)'),
  ...groupShape,
  alerts: z.array(alertmanagerAlertSchema).max(10_000),
});
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;
type GroupPayload = Pick<AlertmanagerPayload, keyof typeof groupShape> & { alerts: z.infer<typeof alertmanagerAlertSchema>[] };

type GroupSource = 'alertmanager' | 'grafana';

/** A group notification's head: its group, its group and common labels, and whether any alert fires. */
export function groupHead(source: GroupSource, p: GroupPayload): NotificationHead & { groupKey: string } {
  const groupKey = normaliseKey(p.groupKey);
  return {
    source,
    groupKey,
    origin: `${source}:${groupKey}`,
    labels: stringRecord(p.commonLabels, stringRecord(p.groupLabels, stringRecord(p.routeLabels))),
    firing: p.alerts.some((a) => a.status === 'firing'),
  };
}

/** The parts of a group notification both sources share; `extra` adds source-specific alert fields. */
export function groupNotification(
  source: GroupSource,
  p: GroupPayload,
  author: string,
  extra: (index: number) => { links?: AlertLink[]; values?: string } = () => ({}),
): Notification {
  const { groupKey, origin, labels: commonLabels } = groupHead(source, p);
  const idOf = alertIds(origin);
  const alerts: AlertItem[] = p.alerts.map((a, i) => {
    const labels = stringRecord(a.labels);
    const fingerprint = a.fingerprint ?? labelsFingerprint(labels);
    const more = extra(i);
    return {
      id: idOf(fingerprint),
      fingerprint,
      name: labels.alertname ?? labels.__name__ ?? fingerprint,
      status: a.status,
      labels,
      annotations: stringRecord(a.annotations),
      startsAt: isoOrUndefined(a.startsAt),
      endsAt: isoOrUndefined(a.endsAt),
      generatorURL: a.generatorURL || undefined,
      links: more.links ?? [],
      values: more.values,
    };
  });
  return {
    source,
    groupKey,
    origin,
    mode: 'snapshot',
    instances: true,
    status: p.status,
    labels: commonLabels,
    annotations: stringRecord(p.commonAnnotations),
    alerts,
    truncated: p.truncatedAlerts ?? 0,
    author,
    externalURL: p.externalURL || undefined,
    receiver: p.receiver || undefined,
    ...(p.notification_reason ? { reason: p.notification_reason } : {}),
  };
}

export function fromAlertmanager(p: AlertmanagerPayload, author = 'Alertmanager'): Notification {
  return groupNotification('alertmanager', p, author);
}
