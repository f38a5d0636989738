import { z } from 'zod';
import type { AlertLink, Notification } from '../notification.js';
import { alertmanagerAlertSchema, groupNotification, groupShape, jsonObject } from './alertmanager.js';

/**
 * Grafana alerting's webhook contact point, its default body (`webhookMessage` of grafana/alerting,
 * version "1"): Alertmanager's shape plus `orgId`, `title`, `state`, `message` and per alert
 * `values`/`valueString` and dashboard, panel, silence and image links. Later releases add, per
 * alert, `orgId` (12.0), `enrichments` (12.3) and `ruleUID` (12.4), and Grafana's `appVersion`
 * (12.4). A custom payload template replaces the whole body: it is refused, naming what is missing.
 */

/** Grafana rule UIDs are at most 40 characters; versions are short: these bounds leave room. */
const MAX_RULE_UID = 255;
const MAX_APP_VERSION = 100;
/** Enrichments are shown in the case when their compact JSON is at most this long. */
export const MAX_ENRICHMENTS_CHARS = 1024;

const DEFAULT_BODY = "Grafana's default webhook body (leave the contact point's custom payload template empty)";
const required = (what: string) => (issue: { input: unknown }) => (issue.input === undefined ? `is required: ${what} is part of ${DEFAULT_BODY}` : undefined);

const grafanaAlertSchema = alertmanagerAlertSchema.extend({
  values: jsonObject.nullish(),
  valueString: z.string().nullish(),
  dashboardURL: z.string().nullish(),
  panelURL: z.string().nullish(),
  silenceURL: z.string().nullish(),
  imageURL: z.string().nullish(),
  embeddedImage: z.string().nullish(),
  /** 12.0 and later: the alert's organisation, when the alert carries it. */
  orgId: z.number().int().nullish(),
  /** 12.3 and later: what Grafana's alert enrichment added to the alert, any JSON. */
  enrichments: z.unknown().optional(),
  /** 12.4 and later: the UID of the alert rule (its `__alert_rule_uid__` label). */
  ruleUID: z.string().max(MAX_RULE_UID).nullish(),
});

export const grafanaPayloadSchema = z.looseObject(
  {
    version: z.string().nullish(),
    orgId: z.number().int().nullish(),
    title: z.string().nullish(),
    state: z.string().nullish(),
    message: z.string().nullish(),
    /** 12.4 and later: the version of the Grafana that sent it. */
    appVersion: z.string().max(MAX_APP_VERSION).nullish(),
    ...groupShape,
    groupKey: z.string({ error: required('"groupKey"') }).min(1, 'must not be empty'),
    status: z.enum(['firing', 'resolved'], { error: required('"status"') }),
    alerts: z.array(grafanaAlertSchema, { error: required('"alerts"') }).max(10_000),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? `must be ${DEFAULT_BODY}: a JSON object` : undefined) },
);
export type GrafanaPayload = z.infer<typeof grafanaPayloadSchema>;
type GrafanaAlert = GrafanaPayload['alerts'][number];

/** `author`: the routing file's name for the sender; by default "Grafana" with the version it gives. */
export function fromGrafana(p: GrafanaPayload, author?: string): Notification {
  const version = p.appVersion?.trim();
  const n = groupNotification('grafana', p, author ?? (version ? `Grafana ${version}` : 'Grafana'), (i) => {
    const a = p.alerts[i]!;
    const links: AlertLink[] = [];
    if (a.dashboardURL) links.push({ title: 'dashboard', url: a.dashboardURL });
    if (a.panelURL) links.push({ title: 'panel', url: a.panelURL });
    if (a.imageURL) links.push({ title: 'image', url: a.imageURL });
    if (a.silenceURL) links.push({ title: 'silence', url: a.silenceURL });
    const rule = ruleLink(a, p);
    if (rule) links.push(rule);
    return { links, values: a.valueString || formatValues(a.values) };
  });
  if (p.alerts.some((a) => a.enrichments != null)) {
    n.alerts.forEach((item, i) => {
      const shown = enrichmentsText(p.alerts[i]!.enrichments);
      if (shown !== undefined && item.annotations.enrichments === undefined) item.annotations.enrichments = shown;
    });
  }
  return { ...n, title: p.title || undefined };
}

/**
 * The alert rule by its UID, linked to its page in Grafana (`/alerting/grafana/<uid>/view`, where
 * Grafana's own `generatorURL` points): the UID names the rule whatever its title or folder.
 */
function ruleLink(a: GrafanaAlert, p: GrafanaPayload): AlertLink | undefined {
  const uid = a.ruleUID?.trim();
  if (!uid) return undefined;
  const title = `rule ${uid}`;
  const path = `/alerting/grafana/${encodeURIComponent(uid)}/view`;
  if (a.generatorURL && URL.canParse(a.generatorURL) && new URL(a.generatorURL).pathname.endsWith(path)) return { title, url: a.generatorURL };
  if (!p.externalURL || !URL.canParse(p.externalURL)) return undefined;
  const url = new URL(p.externalURL);
  url.pathname = url.pathname.replace(/\/+$/, '') + path;
  url.search = '';
  const org = a.orgId ?? p.orgId;
  if (org != null) url.searchParams.set('orgId', String(org));
  return { title, url: url.toString() };
}

/** Compact JSON of the enrichments when small enough to read in a case; nothing otherwise. */
function enrichmentsText(value: unknown): string | undefined {
  if (value == null) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (!text || text === '{}' || text === '[]') return undefined;
  return text.length <= MAX_ENRICHMENTS_CHARS ? text : undefined;
}

function formatValues(values: Record<string, unknown> | null | undefined): string | undefined {
  if (!values) return undefined;
  const parts = Object.entries(values).map(([k, v]) => `${k}=${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
  return parts.length ? parts.join(', ') : undefined;
}
