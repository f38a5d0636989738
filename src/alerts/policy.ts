import { z } from 'zod';
import type { PayloadIssue } from './sources/index.js';
import { matchesAll } from './matchers.js';
import type { AlertInfo, Notification } from './notification.js';
import { DEFAULT_SEVERITIES, type AlertRule, type AlertSettings, type AlertsRouting, type SeverityMapping, type ValueSource } from './routing-schema.js';

/** Everything the incident logic needs from the routing file for one incident, with defaults applied. */
export const policySchema = z.object({
  rule: z.string(),
  serviceId: z.string().min(1),
  siteId: z.string().min(1).optional(),
  severityLabel: z.string(),
  severities: z.array(
    z.object({
      when: z.array(z.string()),
      type: z.enum(['Incident', 'General Request']),
      subject: z.string(),
      priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']),
    }),
  ),
  holdDownMs: z.number().int().min(0),
  flap: z.object({ maxToggles: z.number().int(), windowMs: z.number().int(), quietMs: z.number().int() }).optional(),
  resolve: z.object({ message: z.boolean(), status: z.string().optional() }),
  reopen: z.object({ windowMs: z.number().int().min(0), status: z.string().optional() }),
  announce: z.object({ slackChannel: z.string() }).optional(),
  maxTextChars: z.number().int(),
  author: z.string(),
});
export type Policy = z.infer<typeof policySchema>;

export type PolicyResult = { policy: Policy } | { ignored: string } | { invalid: PayloadIssue[] };

export const DEFAULT_FLAP = { maxToggles: 4, windowSeconds: 900 };
export const DEFAULT_REOPEN_SECONDS = 3600;
export const DEFAULT_MAX_TEXT_CHARS = 6000;
const FALLBACK_SEVERITY: SeverityMapping = { when: ['*'], type: 'Incident', subject: 'ServiceDegradation', priority: 'P3' };

/** What a rule looks at: the notification's common labels, and its alerts' labels for a service or site label. */
export type RuleSubject = Pick<Notification, 'source' | 'labels' | 'rules'> & { alerts: readonly Pick<AlertInfo, 'labels'>[] };

export type RuleResult = { rule: AlertRule; serviceId: string; siteId?: string } | { ignored: string } | { invalid: PayloadIssue[] };

/**
 * The first rule (in file order) whose sources and matchers fit the notification's common labels,
 * with the service and site it names. `ignored` when no rule fits; `invalid` when the rule names
 * its service or site by a label the notification lacks.
 */
export function ruleFor(routing: AlertsRouting, n: RuleSubject): RuleResult {
  const rule = routing.rules.find(
    (r) => (!r.sources || r.sources.includes(n.source)) && (!n.rules || n.rules.includes(r.name)) && matchesAll(r.matchers, n.labels),
  );
  if (!rule) return { ignored: 'no alert rule matches this notification' };
  const issues: PayloadIssue[] = [];
  const serviceId = valueOf(rule.service, n, `rule "${rule.name}": service`, issues);
  const siteId = rule.site === undefined ? undefined : valueOf(rule.site, n, `rule "${rule.name}": site`, issues);
  if (issues.length > 0 || serviceId === undefined) return { invalid: issues };
  return { rule, serviceId, ...(siteId ? { siteId } : {}) };
}

/** `ruleFor`, merged over the routing file's `defaults`: the incident's policy. */
export function resolvePolicy(routing: AlertsRouting, n: RuleSubject & Pick<Notification, 'author'>): PolicyResult {
  const found = ruleFor(routing, n);
  if (!('rule' in found)) return found;
  const { rule, serviceId, siteId } = found;
  const d = routing.defaults;
  const pick = <K extends keyof AlertSettings>(k: K): AlertSettings[K] => (rule[k] !== undefined ? rule[k] : d[k]);
  const flap = pick('flap');
  const flapSettings: { maxToggles: number; windowSeconds: number; quietSeconds?: number } | undefined = flap === false ? undefined : (flap ?? DEFAULT_FLAP);
  const reopen = pick('reopen');
  const resolve = pick('resolve');
  return {
    policy: {
      rule: rule.name,
      serviceId,
      ...(siteId ? { siteId } : {}),
      severityLabel: pick('severityLabel') ?? 'severity',
      severities: [...(pick('severities') ?? DEFAULT_SEVERITIES)],
      holdDownMs: (pick('holdDownSeconds') ?? 0) * 1000,
      flap: flapSettings && {
        maxToggles: flapSettings.maxToggles,
        windowMs: flapSettings.windowSeconds * 1000,
        quietMs: (flapSettings.quietSeconds ?? flapSettings.windowSeconds) * 1000,
      },
      resolve: { message: resolve?.message ?? true, ...(resolve?.status ? { status: resolve.status } : {}) },
      reopen: { windowMs: (reopen?.windowSeconds ?? DEFAULT_REOPEN_SECONDS) * 1000, ...(reopen?.status ? { status: reopen.status } : {}) },
      ...(rule.announce ? { announce: rule.announce } : {}),
      maxTextChars: pick('maxTextChars') ?? DEFAULT_MAX_TEXT_CHARS,
      author: n.author,
    },
  };
}

function valueOf(source: ValueSource, n: RuleSubject, what: string, issues: PayloadIssue[]): string | undefined {
  if (typeof source === 'string') return source;
  const value = n.labels[source.label] ?? n.alerts.find((a) => a.labels[source.label])?.labels[source.label];
  if (!value) {
    issues.push({ path: `labels.${source.label}`, message: `${what} comes from label "${source.label}", which the notification does not carry` });
    return undefined;
  }
  if (!source.map) return value;
  const mapped = source.map[value];
  if (!mapped) issues.push({ path: `labels.${source.label}`, message: `${what}: no mapping for ${source.label}="${value}"` });
  return mapped;
}

/** The case type, subject and priority: the first mapping that any of the alerts' severities falls under. */
export function severityOf(policy: Pick<Policy, 'severityLabel' | 'severities'>, alerts: readonly AlertInfo[]): SeverityMapping {
  const values = new Set(alerts.map((a) => (a.labels[policy.severityLabel] ?? '').toLowerCase()));
  for (const mapping of policy.severities) {
    if (mapping.when.some((w) => w === '*' || values.has(w.toLowerCase()))) return mapping;
  }
  return FALLBACK_SEVERITY;
}
