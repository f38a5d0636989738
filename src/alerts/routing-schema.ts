import { z } from 'zod';
import { maxBodyBytes } from '../config/routing-fields.js';
import { caseTypeSchema, checkCaseType, prioritySchema } from '../expereo/v2-contract.js';
import { parseMatcher, type Matcher } from './matchers.js';
import { seconds, sourcesSchema } from './source-schema.js';

/**
 * The `alerts` section of the routing file: which monitoring sources may post, how they prove it,
 * how alerts of different sources are recognised as one incident, and the rules that turn an
 * incident into an expereo case (service, severity → subject/priority, hold-down, flap damping,
 * resolve and reopen behaviour, Slack announcement).
 *
 * ```yaml
 * alerts:
 *   sources:
 *     alertmanager: { auth: { basic: { username: alertmanager, password: "…" } } }   # or { bearer: "…" }
 *     grafana: { auth: { hmac: { secret: "…" } } }   # Grafana's own header names by default
 *     events:
 *       auth: { bearer: "…" }                        # /webhooks/alerts/events
 *       routingKeys:                                  # /v2/enqueue: the key in the body
 *         - { name: network, key: "<32 letters or digits>", rules: [core-circuits] }
 *   correlation:
 *     - { name: circuit, labels: [circuit_id] }
 *   defaults:
 *     holdDownSeconds: 60
 *     flap: { maxToggles: 4, windowSeconds: 900 }
 *     resolve: { message: true, status: Resolved }
 *     reopen: { windowSeconds: 3600, status: In Progress }
 *   tests: { slackChannel: C0TESTS01 }   # where a test notification is told (it never opens a case)
 *   rules:
 *     - name: core-circuits
 *       matchers: ['team="network"', 'circuit_id=~"CIR-.+"']
 *       service: { label: expereo_service }
 *       announce: { slackChannel: C0123456 }
 * ```
 */

export const ALERT_SOURCES = ['alertmanager', 'grafana', 'events'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];
const sourceNameSchema = z.enum(ALERT_SOURCES);

const DAY = 86_400;

const matcherSchema = z.string().transform((text, ctx): Matcher => {
  const parsed = parseMatcher(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed;
});

/** A fixed value, or one read from a label (optionally mapped: label value → value). */
const valueSourceSchema = z.union([
  z.string().min(1),
  z
    .object({
      label: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a label name'),
      map: z.record(z.string(), z.string().min(1)).optional(),
    })
    .strict(),
]);
export type ValueSource = z.infer<typeof valueSourceSchema>;

const severitySchema = z
  .object({
    /** Severity label values this entry covers; `*` matches any (put it last). */
    when: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((w) => (Array.isArray(w) ? w : [w])),
    type: caseTypeSchema.default('Incident'),
    subject: z.string().min(1),
    priority: prioritySchema,
  })
  .strict()
  .superRefine(checkCaseType);
export type SeverityMapping = z.infer<typeof severitySchema>;

/** Most severe first: the first entry that any firing alert's severity falls under decides. */
export const DEFAULT_SEVERITIES: readonly SeverityMapping[] = [
  { when: ['critical', 'page', 'disaster'], type: 'Incident', subject: 'ServiceDown', priority: 'P1' },
  { when: ['major', 'error', 'high'], type: 'Incident', subject: 'ServiceDegradation', priority: 'P2' },
  { when: ['warning', 'minor', 'average', 'medium'], type: 'Incident', subject: 'ServiceDegradation', priority: 'P3' },
  { when: ['info', 'low', 'notice'], type: 'Incident', subject: 'ServiceIntermittent', priority: 'P4' },
  { when: ['*'], type: 'Incident', subject: 'ServiceDegradation', priority: 'P3' },
];

const flapSchema = z
  .object({
    /** More firing⇄resolved toggles than this within the window and updates are summarised. */
    maxToggles: z.number().int().min(1).max(1000),
    windowSeconds: seconds(DAY).refine((s) => s > 0, 'must be more than 0'),
    /** Quiet time after the last toggle before the summary is posted (default: the window). */
    quietSeconds: seconds(DAY).optional(),
  })
  .strict();

/** Settings a rule may set and `defaults` may give to every rule. */
const settingsShape = {
  severityLabel: z.string().min(1).optional(),
  severities: z.array(severitySchema).min(1).optional(),
  /** Open a case only if the incident still fires after this long. */
  holdDownSeconds: seconds(DAY).optional(),
  /** `false` turns damping off. */
  flap: z.union([flapSchema, z.literal(false)]).optional(),
  resolve: z
    .object({ message: z.boolean().default(true), status: z.string().min(1).optional() })
    .strict()
    .optional(),
  reopen: z
    .object({
      /**
       * Fires again (a new alert instance: a new `startsAt`) within this long after resolving → a
       * message on the same case; later → a new case. Late copies of an ended instance change nothing.
       */
      windowSeconds: seconds(30 * DAY),
      /** Status set again when it reopens (e.g. after `resolve.status`). */
      status: z.string().min(1).optional(),
    })
    .strict()
    .optional(),
  /** Longest case description or message; longer texts are cut with a note. */
  maxTextChars: z.number().int().min(500).max(30_000).optional(),
};

const slackChannelSchema = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel id such as C0123456');

const ruleSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." or "-" (at most 64)'),
    /** Only notifications from these sources (default: all). */
    sources: z.array(sourceNameSchema).min(1).optional(),
    /** Against the notification's common labels (all must match; none = every notification). */
    matchers: z.array(matcherSchema).default([]),
    service: valueSourceSchema,
    site: valueSourceSchema.optional(),
    announce: z.object({ slackChannel: slackChannelSchema }).strict().optional(),
    ...settingsShape,
  })
  .strict();
export type AlertRule = z.infer<typeof ruleSchema>;

const correlationSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'lowercase letters, digits, "_" or "-" (at most 32)'),
    /** Notifications that carry all these labels belong to the incident named by their values. */
    labels: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a label name')).min(1),
    sources: z.array(sourceNameSchema).min(1).optional(),
  })
  .strict();
export type CorrelationRule = z.infer<typeof correlationSchema>;

export const alertsRoutingSchema = z
  .object({
    sources: sourcesSchema,
    /** Largest accepted webhook body. */
    maxBodyBytes: maxBodyBytes(16 * 1024 * 1024, 1024 * 1024),
    correlation: z.array(correlationSchema).default([]),
    defaults: z.object(settingsShape).strict().prefault({}),
    rules: z.array(ruleSchema).default([]),
    /** Test notifications (Grafana's contact-point Test) open no case; with this, they are also told in a Slack channel. */
    tests: z.object({ slackChannel: slackChannelSchema }).strict().optional(),
  })
  .strict()
  .superRefine((routing, ctx) => {
    const seen = new Set<string>();
    routing.rules.forEach((rule, i) => {
      if (seen.has(rule.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `duplicate rule name "${rule.name}"` });
      seen.add(rule.name);
    });
    routing.sources.events?.routingKeys?.forEach((k, i) => {
      for (const [j, name] of (k.rules ?? []).entries()) {
        if (!seen.has(name)) ctx.addIssue({ code: 'custom', path: ['sources', 'events', 'routingKeys', i, 'rules', j], message: `no rule is named "${name}"` });
      }
    });
  });

export type AlertsRouting = z.infer<typeof alertsRoutingSchema>;
export type AlertSettings = AlertsRouting['defaults'];
