import { z } from 'zod';

/**
 * How each alert source proves who it is, in the routing file's `alerts.sources`. What every
 * sender can do: Alertmanager's `http_config` sends `authorization` (a bearer) or `basic_auth` and
 * cannot sign; Grafana's webhook contact point sends either, or signs the body (its HMAC settings);
 * PagerDuty Events v2 senders put their integration's routing key in the body and nothing else.
 */

export const seconds = (max: number) => z.number().int('must be a whole number of seconds').min(0).max(max);
const DAY = 86_400;
const secret = z.string().min(16, 'must be at least 16 characters long');
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,100}$/, 'must be an HTTP header name')
  .transform((h) => h.toLowerCase());

/** Grafana's own header names (grafana/alerting http/hmac.go and the webhook notifier's settings). */
export const GRAFANA_SIGNATURE_HEADER = 'x-grafana-alerting-signature';
export const GRAFANA_TIMESTAMP_HEADER = 'x-grafana-alerting-timestamp';

export interface HmacAuth {
  secret: string;
  header: string;
  /** Signed as `<timestamp>:<body>` when the request carries this header. */
  timestampHeader?: string;
  /** Whether a request without the timestamp header is refused (true when the file names the header). */
  timestampRequired: boolean;
  /** How old a signed timestamp may be (replay protection). */
  toleranceSeconds: number;
}

/**
 * Hex (or base64) HMAC-SHA256 of the raw body, of `<timestamp>:<body>` when a timestamp header is
 * sent. Named in the file, the timestamp header is required; left out for Grafana, Grafana's own
 * names are used and the timestamp is checked when Grafana sends it (its "Timestamp header" setting).
 */
const hmacSchema = (defaults: { header: string; timestampHeader?: string }) =>
  z
    .object({
      secret,
      header: headerName.default(defaults.header),
      timestampHeader: headerName.optional(),
      toleranceSeconds: seconds(DAY).default(300),
    })
    .strict()
    .transform(
      (h): HmacAuth => ({
        secret: h.secret,
        header: h.header,
        ...(h.timestampHeader || defaults.timestampHeader ? { timestampHeader: h.timestampHeader ?? defaults.timestampHeader } : {}),
        timestampRequired: h.timestampHeader !== undefined,
        toleranceSeconds: h.toleranceSeconds,
      }),
    );

const authSchema = (hmacDefaults: { header: string; timestampHeader?: string }) =>
  z
    .object({
      /** `Authorization: Bearer <token>` (Alertmanager `http_config.authorization`, Grafana "Authorization header"). */
      bearer: secret.optional(),
      /** `Authorization: Basic …` (Alertmanager `http_config.basic_auth`, Grafana "HTTP Basic Authentication"). */
      basic: z
        .object({ username: z.string().min(1).max(200), password: secret })
        .strict()
        .optional(),
      hmac: hmacSchema(hmacDefaults).optional(),
    })
    .strict()
    .refine((a) => [a.bearer, a.basic, a.hmac].filter((x) => x !== undefined).length === 1, 'give exactly one of bearer, basic or hmac');

const author = z.string().min(1).max(100).optional();

const groupSource = (hmacDefaults: { header: string; timestampHeader?: string }) =>
  z
    .object({
      auth: authSchema(hmacDefaults),
      /** Author shown on case messages (default: Alertmanager, Grafana). */
      author,
    })
    .strict();

export const integrationNameSchema = z.string().regex(/^[a-z0-9_-]{1,32}$/, 'lowercase letters, digits, "_" or "-" (at most 32)');

/**
 * One PagerDuty-style integration: its routing key (32 letters or digits, as PagerDuty's integration
 * keys are, so that every sender that checks the key's form takes it), the name it is known by in
 * logs and incident keys, and the rules its events may use (default: all).
 */
const routingKeySchema = z
  .object({
    name: integrationNameSchema,
    key: z.string().regex(/^[A-Za-z0-9]{32}$/, 'must be 32 letters or digits, as a PagerDuty integration key'),
    rules: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();
export type RoutingKey = z.infer<typeof routingKeySchema>;

const eventsSource = z
  .object({
    /** Header credential for `/webhooks/alerts/events` (and `/v2/enqueue` when the request carries it). */
    auth: authSchema({ header: 'x-signature' }).optional(),
    /** Routing keys accepted in the body at `/v2/enqueue`: one per team or tool. */
    routingKeys: z.array(routingKeySchema).min(1).optional(),
    /** Author shown on case messages (default: the event's `client`, else "Events API"). */
    author,
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.auth && !s.routingKeys) ctx.addIssue({ code: 'custom', message: 'give auth, routingKeys or both' });
    const names = new Set<string>();
    const keys = new Set<string>();
    s.routingKeys?.forEach((k, i) => {
      if (names.has(k.name)) ctx.addIssue({ code: 'custom', path: ['routingKeys', i, 'name'], message: `duplicate routing key name "${k.name}"` });
      if (keys.has(k.key)) ctx.addIssue({ code: 'custom', path: ['routingKeys', i, 'key'], message: 'the same routing key is given twice' });
      names.add(k.name);
      keys.add(k.key);
    });
  });

export const sourcesSchema = z
  .object({
    alertmanager: groupSource({ header: 'x-signature' }).optional(),
    grafana: groupSource({ header: GRAFANA_SIGNATURE_HEADER, timestampHeader: GRAFANA_TIMESTAMP_HEADER }).optional(),
    events: eventsSource.optional(),
  })
  .strict()
  .prefault({});

export type AlertSources = z.infer<typeof sourcesSchema>;
export type SourceAuth = NonNullable<AlertSources['alertmanager']>['auth'];
