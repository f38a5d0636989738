import { z } from 'zod';
import { maxBodyBytes } from '../config/routing-fields.js';
import { CASE_TYPES } from '../expereo/v2-contract.js';
import { declarativeShape, mappingShape, secret } from './connector-fields.js';
import { genericOutbound, jiraOutbound, serviceNowOutbound, zendeskOutbound } from './outbound-schemas.js';

export type { Condition, FieldPaths, HeaderAuth, Rule } from './connector-fields.js';

/**
 * The `itsm` section of the routing file: one entry per connected service desk.
 *
 * ```yaml
 * itsm:
 *   maxBodyBytes: 524288          # larger deliveries are answered 413
 *   deliveryTtlSeconds: 86400     # how long a delivery id is remembered (repeats: 202, no effect)
 *   connectors:
 *     acme-jira:
 *       tool: jira                # jira | servicenow | zendesk | generic
 *       auth: { secret: "…" }     # jira: X-Hub-Signature; zendesk: X-Zendesk-Webhook-Signature
 *       defaults: { type: Incident, subject: ServiceDegradation, priority: P3, serviceId: SRV-40000001 }
 *       priorityMap: { Highest: P1 }          # tool value (any case) → expereo priority
 *       statusMap: { Done: Resolved }          # ticket status → case status (updates only)
 *       rules:                                  # first match sets type/subject/priority
 *         - when: { path: ticket.type, equals: [Service Request] }
 *           type: General Request
 *           subject: InformationRequest
 *       servicePath: payload.issue.fields.customfield_10050.value
 *       outbound: { baseUrl: https://acme.atlassian.net, email: bot@acme.example, apiToken: "…" }
 *     acme-sn:
 *       tool: servicenow
 *       auth: { type: hmac, secret: "…", header: x-sn-signature, encoding: base64 }   # or { type: bearer, token }
 *       fieldPaths: { ticketId: sys_id }       # where each part of the customer-defined payload is
 *       outbound: { baseUrl: https://acme.service-now.com, username: bridge, password: "…", mode: work_notes }
 *     acme-desk:
 *       tool: generic                          # POST /webhooks/itsm/generic/acme-desk
 *       auth: { type: bearer, token: "…" }
 *       fieldPaths: { event: action, ticketId: data.ticket.id, commentText: data.note.body }
 *       outbound: { callbackUrl: https://desk.acme.example/expereo, secret: "…" }
 * ```
 *
 * Rule and service paths start with `ticket.` (the normalised ticket: id, number, title,
 * description, priority, type, status, reporter, labels) or `payload.` (the tool's own JSON).
 * `/webhooks/itsm/jira|servicenow|zendesk` serve the one connector of that tool, or the one named by
 * `?connector=<name>`. Updates and comments of a ticket that has no expereo case are acknowledged
 * (202, `ignored`) and dropped: only a created ticket opens a case.
 */

const jiraConnector = z.object({ tool: z.literal('jira'), auth: z.object({ secret }).strict(), outbound: jiraOutbound.optional(), ...mappingShape }).strict();
const zendeskConnector = z
  .object({ tool: z.literal('zendesk'), auth: z.object({ secret }).strict(), outbound: zendeskOutbound.optional(), ...mappingShape })
  .strict();
const serviceNowConnector = z.object({ tool: z.literal('servicenow'), ...declarativeShape, outbound: serviceNowOutbound.optional(), ...mappingShape }).strict();
const genericConnector = z.object({ tool: z.literal('generic'), ...declarativeShape, outbound: genericOutbound.optional(), ...mappingShape }).strict();

const connectorSchema = z.discriminatedUnion('tool', [jiraConnector, zendeskConnector, serviceNowConnector, genericConnector]).superRefine((c, ctx) => {
  const check = (type: keyof typeof CASE_TYPES, subject: string | undefined, path: (string | number)[]) => {
    const subjects = CASE_TYPES[type].subjects as readonly string[];
    if (subject !== undefined && !subjects.includes(subject)) {
      ctx.addIssue({ code: 'custom', path, message: `must be one of ${subjects.join(', ')} for ${type}` });
    }
  };
  check(c.defaults.type, c.defaults.subject, ['defaults', 'subject']);
  c.rules.forEach((rule, i) => {
    if (rule.type && rule.type !== c.defaults.type && !rule.subject) {
      ctx.addIssue({ code: 'custom', path: ['rules', i, 'subject'], message: `is required when the rule changes the type to ${rule.type}` });
    }
    check(rule.type ?? c.defaults.type, rule.subject, ['rules', i, 'subject']);
  });
});

export const CONNECTOR_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const itsmRoutingSchema = z
  .object({
    connectors: z
      .record(z.string(), connectorSchema)
      .superRefine((connectors, ctx) => {
        for (const name of Object.keys(connectors)) {
          if (!CONNECTOR_NAME.test(name))
            ctx.addIssue({ code: 'custom', path: [name], message: 'connector names are lower-case letters, digits, "-" and "_" (at most 64)' });
        }
      })
      .default({}),
    maxBodyBytes: maxBodyBytes(10 * 1024 * 1024, 512 * 1024),
    deliveryTtlSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(86_400),
  })
  .strict();

export type ItsmRouting = z.infer<typeof itsmRoutingSchema>;
export type ConnectorConfig = z.infer<typeof connectorSchema>;
export type Tool = ConnectorConfig['tool'];
export type JiraConnector = z.infer<typeof jiraConnector>;
export type ZendeskConnector = z.infer<typeof zendeskConnector>;
export type ServiceNowConnector = z.infer<typeof serviceNowConnector>;
export type GenericConnector = z.infer<typeof genericConnector>;
